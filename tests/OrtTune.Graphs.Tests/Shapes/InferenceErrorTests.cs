using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Graphs.Shapes;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>What inference says when it cannot go on: unknown operators, impossible shapes, conflicting declarations.</summary>
[TestClass]
public sealed class InferenceErrorTests
{
    private static TestGraph WithUnknownOp(out Value custom, out Value after)
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", 8);
        custom = g.Ops("Frobnicate", 1, [x], "org.example")[0]!;
        after = g.Op("Relu", [custom]);
        return g;
    }

    [TestMethod]
    public void Unknown_operator_is_an_error_naming_node_op_and_domain()
    {
        var g = WithUnknownOp(out _, out _);

        var e = Assert.ThrowsExactly<UnsupportedOperatorException>(() => g.Infer());

        StringAssert.Contains(e.Message, "Frobnicate_1");
        StringAssert.Contains(e.Message, "'Frobnicate'");
        StringAssert.Contains(e.Message, "org.example");
        StringAssert.Contains(e.Message, "shape inference");
    }

    [TestMethod]
    public void Unknown_operator_can_be_recorded_instead()
    {
        var g = WithUnknownOp(out var custom, out var after);

        var result = g.Infer(new ShapeInferenceOptions { UnknownOpsAsUnknownShapes = true });

        Assert.AreEqual("Frobnicate", result.UnsupportedNodes.Single().OpType);
        Assert.IsNull(custom.Type);
        Assert.IsNull(after.Type, "nothing is known downstream of the unknown op");
        CollectionAssert.AreEquivalent(new[] { custom, after }, result.Unresolved.Select(u => u.Value).ToArray());
        StringAssert.Contains(result.Unresolved.Single(u => u.Value == custom).Reason, "no shape rule");
    }

    [TestMethod]
    public void Rank_mismatch_is_an_error_naming_the_node()
    {
        var g = new TestGraph();
        g.Op("Concat", [g.Input("a", DataType.Float, 2, 3), g.Input("b", DataType.Float, 2, 3, 4)], Attribute.Of("axis", 0L));

        var e = Assert.ThrowsExactly<ShapeException>(() => g.Infer());

        StringAssert.Contains(e.Message, "Concat_1");
        StringAssert.Contains(e.Message, "different ranks");
    }

    [TestMethod]
    public void Out_of_range_axis_is_an_error()
    {
        var g = new TestGraph();
        g.Op("Softmax", [g.Input("a", DataType.Float, 2, 3)], Attribute.Of("axis", -3L));

        var e = Assert.ThrowsExactly<ShapeException>(() => g.Infer());

        StringAssert.Contains(e.Message, "Softmax_1");
        StringAssert.Contains(e.Message, "axis -3");
    }

    [TestMethod]
    public void Impossible_reshape_is_an_error()
    {
        var g = new TestGraph();
        g.Op("Reshape", [g.Input("a", DataType.Float, 2, 3), g.Ints(4, -1)]);

        Assert.ThrowsExactly<ShapeException>(() => g.Infer());
    }

    [TestMethod]
    public void Declared_types_fill_gaps_and_must_agree()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", 6);
        var y = g.Op("Reshape", [x, g.Input("target", DataType.Int64, 2)]);
        y.Type = new TensorType(DataType.Float, TestGraph.S("batch", 6)); // value_info from the file
        var z = g.Op("Relu", [y]);

        g.Infer();

        HasShape(y, "batch", 6);
        HasShape(z, "batch", 6);
    }

    [TestMethod]
    public void Declared_type_that_contradicts_inference_is_an_error()
    {
        var g = new TestGraph();
        var y = g.Op("Transpose", [g.Input("x", DataType.Float, 2, 5)]);
        y.Type = new TensorType(DataType.Float, TestGraph.S(2, 5));

        var e = Assert.ThrowsExactly<ShapeException>(() => g.Infer());

        StringAssert.Contains(e.Message, y.Name);
        StringAssert.Contains(e.Message, "Transpose_1");
    }

    [TestMethod]
    public void Declared_types_can_be_replaced_after_changing_inputs()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, 2, 5);
        var y = g.Op("Relu", [x]);
        g.Infer();
        x.Type = new TensorType(DataType.Float, TestGraph.S(3, 5));

        Assert.ThrowsExactly<ShapeException>(() => g.Infer());
        g.Infer(new ShapeInferenceOptions { KeepDeclaredTypes = false });

        HasShape(y, 3, 5);
    }

    [TestMethod]
    public void Data_dependent_sizes_are_reported_unresolved()
    {
        var g = new TestGraph();
        var nz = g.Op("NonZero", [g.Input("x", DataType.Float, "batch", 8)]);

        var result = g.Infer();

        HasType(nz, DataType.Int64, 2, null);
        StringAssert.Contains(result.Unresolved.Single().Reason, "depends on the data");
    }
}

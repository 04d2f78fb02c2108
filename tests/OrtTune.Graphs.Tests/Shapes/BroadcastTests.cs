using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>Numpy broadcasting in element-wise ops, Where, comparisons and MatMul.</summary>
[TestClass]
public sealed class BroadcastTests
{
    [TestMethod]
    public void Elementwise_ops_broadcast_from_the_right()
    {
        var g = new TestGraph();
        var a = g.Input("a", DataType.Float, "batch", 1, 8);
        var b = g.Input("b", DataType.Float, 4, 1);
        var c = g.Input("c", DataType.Float, "batch", "seq", 1);
        var sum = g.Op("Add", [a, b]);
        var mixed = g.Op("Mul", [a, c]);
        var max = g.Op("Max", [a, b, g.Input("s", DataType.Float)]);

        g.Infer();

        HasType(sum, DataType.Float, "batch", 4, 8);
        HasShape(mixed, "batch", "seq", 8);
        HasShape(max, "batch", 4, 8);
    }

    [TestMethod]
    public void Differing_named_dims_broadcast_to_unknown_but_a_known_size_wins()
    {
        var g = new TestGraph();
        var a = g.Input("a", DataType.Float, "n", "m");
        var b = g.Input("b", DataType.Float, "k", 5);
        var y = g.Op("Sub", [a, b]);

        g.Infer();

        HasShape(y, null, 5);
    }

    [TestMethod]
    public void Comparisons_give_bool_and_Where_takes_the_value_type()
    {
        var g = new TestGraph();
        var mask = g.Input("mask", DataType.Int64, "batch", 1, 1, "seq");
        var scores = g.Input("scores", DataType.Float, "batch", 4, "seq", "seq");
        var isPad = g.Op("Equal", [mask, g.Int(0)]);
        var less = g.Op("Less", [scores, g.Const(Tensor.Scalar(0f))]);
        var masked = g.Op("Where", [isPad, g.Const(Tensor.Scalar(-1e4f)), scores]);
        var both = g.Op("And", [isPad, less]);

        g.Infer();

        HasType(isPad, DataType.Bool, "batch", 1, 1, "seq");
        HasType(less, DataType.Bool, "batch", 4, "seq", "seq");
        HasType(masked, DataType.Float, "batch", 4, "seq", "seq");
        HasType(both, DataType.Bool, "batch", 4, "seq", "seq");
    }

    [TestMethod]
    public void Incompatible_sizes_raise_an_error_naming_the_node()
    {
        var g = new TestGraph();
        g.Op("Add", [g.Input("a", DataType.Float, 2, 3), g.Input("b", DataType.Float, 4)]);

        var e = Assert.ThrowsExactly<ShapeException>(() => g.Infer());

        StringAssert.Contains(e.Message, "Add_1");
        StringAssert.Contains(e.Message, "3 and 4");
    }

    [TestMethod]
    public void MatMul_follows_numpy_for_vectors_and_batches()
    {
        var g = new TestGraph();
        var batched = g.Op("MatMul", [g.Input("a", DataType.Float, 2, 1, 3, 4), g.Input("b", DataType.Float, 5, 4, 6)]);
        var vecMat = g.Op("MatMul", [g.Input("v", DataType.Float, 4), g.Input("m", DataType.Float, "batch", 4, 6)]);
        var matVec = g.Op("MatMul", [g.Input("m2", DataType.Float, "batch", 3, 4), g.Input("v2", DataType.Float, 4)]);
        var dot = g.Op("MatMul", [g.Input("v3", DataType.Float, 4), g.Input("v4", DataType.Float, 4)]);
        var attention = g.Op("MatMul", [g.Input("q", DataType.Float, "batch", 4, "seq", 8), g.Input("k", DataType.Float, "batch", 4, 8, "seq")]);

        g.Infer();

        HasShape(batched, 2, 5, 3, 6);
        HasShape(vecMat, "batch", 6);
        HasShape(matVec, "batch", 3);
        HasShape(dot);
        HasShape(attention, "batch", 4, "seq", "seq");
    }

    [TestMethod]
    public void MatMul_inner_dimension_mismatch_is_an_error()
    {
        var g = new TestGraph();
        g.Op("MatMul", [g.Input("a", DataType.Float, 2, 3), g.Input("b", DataType.Float, 4, 5)]);

        var e = Assert.ThrowsExactly<ShapeException>(() => g.Infer());

        StringAssert.Contains(e.Message, "MatMul_1");
        StringAssert.Contains(e.Message, "inner dimensions");
    }

    [TestMethod]
    public void Gemm_transposes_and_broadcasts_the_bias()
    {
        var g = new TestGraph();
        var y = g.Op("Gemm", [g.Input("a", DataType.Float, "batch", 32), g.Input("w", DataType.Float, 3, 32), g.Input("bias", DataType.Float, 3)],
            Attribute.Of("transB", 1L));

        g.Infer();

        HasShape(y, "batch", 3);
    }
}

using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>Named dims follow shape subgraphs (Shape → Gather → Unsqueeze → Concat → Reshape/Expand) as torch exports them.</summary>
[TestClass]
public sealed class SymbolicShapeTests
{
    private static (Value Batch, Value Seq) BatchAndSeq(TestGraph g, Value x)
    {
        var shape = g.Op("Shape", [x]);
        var batch = g.Op("Gather", [shape, g.Int(0)], Attribute.Of("axis", 0L));
        var seq = g.Op("Gather", [shape, g.Int(1)], Attribute.Of("axis", 0L));
        return (g.Op("Unsqueeze", [batch, g.Ints(0)]), g.Op("Unsqueeze", [seq, g.Ints(0)]));
    }

    [TestMethod]
    public void Reshape_target_concatenated_from_shape_gives_named_dims()
    {
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", "seq", 32);
        var (batch, seq) = BatchAndSeq(g, x);
        var target = g.Op("Concat", [batch, seq, g.Ints(4), g.Ints(8)], Attribute.Of("axis", 0L));
        var y = g.Op("Reshape", [x, target]);

        g.Infer();

        HasType(target, DataType.Int64, 4);
        HasType(y, DataType.Float, "batch", "seq", 4, 8);
    }

    [TestMethod]
    public void Minus_one_is_solved_by_cancelling_named_dims()
    {
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", "seq", 32);
        var (batch, seq) = BatchAndSeq(g, x);
        var split = g.Op("Reshape", [x, g.Op("Concat", [batch, seq, g.Ints(-1), g.Ints(8)], Attribute.Of("axis", 0L))]);
        var merged = g.Op("Reshape", [split, g.Op("Concat", [batch, g.Ints(-1), g.Ints(32)], Attribute.Of("axis", 0L))]);
        var zeros = g.Op("Reshape", [split, g.Ints(0, 0, -1)]);

        g.Infer();

        HasShape(split, "batch", "seq", 4, 8);
        HasShape(merged, "batch", "seq", 32);
        HasShape(zeros, "batch", "seq", 32);
    }

    [TestMethod]
    public void Torch_expand_pattern_keeps_named_dims()
    {
        // repeat_kv as torch exports it: Where(Equal(target, -1 * ones), ones, target) → Expand.
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", 2, "seq", 8);
        var shape = g.Op("Shape", [x]);
        var dims = Enumerable.Range(0, 4).Select(i => g.Op("Unsqueeze", [g.Op("Gather", [shape, g.Int(i)]), g.Ints(0)])).ToArray();
        var target = g.Op("Concat", [dims[0], dims[1], g.Ints(3), dims[2], dims[3]], Attribute.Of("axis", 0L));
        var flat = g.Op("Reshape", [target, g.Ints(-1)]);
        var ones = g.Op("ConstantOfShape", [g.Op("Shape", [flat])], Attribute.Of("value", Tensor.Vector(1L)));
        var minusOnes = g.Op("Mul", [ones, g.Int(-1)]);
        var isMinusOne = g.Op("Equal", [flat, minusOnes]);
        var where = g.Op("Where", [isMinusOne, ones, flat]);
        var expanded = g.Op("Expand", [g.Op("Unsqueeze", [x, g.Ints(2)]), where]);

        var result = g.Infer();

        HasShape(expanded, "batch", 2, 3, "seq", 8);
        Assert.IsTrue(result.KnownValues.ContainsKey(isMinusOne), "Equal of sizes and -1 is decided");
        CollectionAssert.AreEqual(new long[] { 0, 0, 0, 0, 0 }, result.KnownValues[isMinusOne].ToInt64Array());
    }

    [TestMethod]
    public void Slice_of_shape_and_integer_arithmetic_stay_exact()
    {
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", 4, "seq", 16);
        var last = g.Op("Slice", [g.Op("Shape", [x]), g.Ints(-1), g.Ints(long.MaxValue), g.Ints(0)]);
        var half = g.Op("Div", [g.Op("Squeeze", [last, g.Ints(0)]), g.Int(2)]);
        var front = g.Op("Slice", [x, g.Ints(0), g.Op("Unsqueeze", [half, g.Ints(0)]), g.Ints(3), g.Ints(1)]);
        var lead = g.Op("Slice", [g.Op("Shape", [x]), g.Ints(0), g.Ints(2)]);
        var product = g.Op("Mul", [g.Op("Gather", [g.Op("Shape", [x]), g.Int(2)]), g.Int(1)]);
        var flattened = g.Op("Reshape", [x, g.Op("Concat", [lead, g.Ints(-1)], Attribute.Of("axis", 0L))]);

        var result = g.Infer();

        HasShape(front, "batch", 4, "seq", 8);
        Assert.AreEqual(8L, result.KnownValues[half].ToArray<long>()[0]);
        HasShape(lead, 2);
        HasShape(flattened, "batch", 4, null); // seq * 16 has no name
        Assert.IsFalse(result.KnownValues.ContainsKey(product), "seq * 1 is symbolic, not a constant");
    }

    [TestMethod]
    public void Slicing_a_table_to_a_named_length_gives_that_length()
    {
        // cos_cache[:seq] as RoPE exports write it; ONNX clamps to the table, which the model needs anyway.
        TestGraph Build(out Value sliced)
        {
            var g = new TestGraph(14);
            var ids = g.Input("input_ids", DataType.Int64, "batch", "seq");
            var seq = g.Op("Unsqueeze", [g.Op("Gather", [g.Op("Shape", [ids]), g.Int(1)]), g.Ints(0)]);
            sliced = g.Op("Slice", [g.Input("cos", DataType.Float, 512, 4), g.Ints(0), seq, g.Ints(0), g.Ints(1)]);
            return g;
        }

        Build(out var assumed).Infer();
        Build(out var strict).Infer(new ShapeInferenceOptions { AssumeSymbolicSliceEndsInRange = false });

        HasShape(assumed, "seq", 4);
        HasShape(strict, null, 4);
    }

    [TestMethod]
    public void Range_over_sequence_length_has_the_named_length()
    {
        var g = new TestGraph(14);
        var ids = g.Input("input_ids", DataType.Int64, "batch", "seq");
        var seq = g.Op("Gather", [g.Op("Shape", [ids]), g.Int(1)]);
        var positions = g.Op("Range", [g.Int(0), seq, g.Int(1)]);
        var asFloat = g.Op("Cast", [seq], Attribute.Of("to", (long)DataType.Float));
        var floats = g.Op("Range", [g.Const(Tensor.Scalar(0f)), asFloat, g.Const(Tensor.Scalar(1f))]);

        g.Infer();

        HasType(positions, DataType.Int64, "seq");
        HasType(floats, DataType.Float, "seq");
    }

    [TestMethod]
    public void Shape_of_a_static_tensor_is_a_known_value()
    {
        var g = new TestGraph(17);
        var x = g.Input("x", DataType.Float, 2, 3, 5);
        var shape = g.Op("Shape", [x]);
        var tail = g.Ops("Shape", 1, [x], "", Attribute.Of("start", -2L))[0]!;
        var size = g.Op("Size", [x]);

        var result = g.Infer();

        CollectionAssert.AreEqual(new long[] { 2, 3, 5 }, result.KnownValues[shape].ToArray<long>());
        CollectionAssert.AreEqual(new long[] { 3, 5 }, result.KnownValues[tail].ToArray<long>());
        Assert.AreEqual(30L, result.KnownValues[size].ToArray<long>()[0]);
        HasShape(size);
    }

    [TestMethod]
    public void Unknown_target_values_leave_unknown_dims_and_say_why()
    {
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", 6);
        var target = g.Input("target", DataType.Int64, 3);
        var y = g.Op("Reshape", [x, target]);

        var result = g.Infer();

        HasShape(y, null, null, null);
        var entry = result.Unresolved.Single(u => u.Value == y);
        StringAssert.Contains(entry.Reason, "Reshape target is not known");
    }
}

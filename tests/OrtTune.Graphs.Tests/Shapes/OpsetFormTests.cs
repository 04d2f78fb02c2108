using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>Operators whose inputs and attributes changed between opsets are read in the form of the model's opset.</summary>
[TestClass]
public sealed class OpsetFormTests
{
    [TestMethod]
    public void Squeeze_and_Unsqueeze_take_axes_as_attribute_before_13()
    {
        var g = new TestGraph(11);
        var x = g.Input("x", DataType.Float, "batch", 1, 8);
        var squeezed = g.Op("Squeeze", [x], Attribute.Of("axes", new long[] { 1 }));
        var unsqueezed = g.Op("Unsqueeze", [x], Attribute.Of("axes", new long[] { 0, -1 }));

        g.Infer();

        HasShape(squeezed, "batch", 8);
        HasShape(unsqueezed, 1, "batch", 1, 8, 1);
    }

    [TestMethod]
    public void Squeeze_and_Unsqueeze_take_axes_as_input_from_13()
    {
        var g = new TestGraph(13);
        var x = g.Input("x", DataType.Float, "batch", 1, 8);
        var squeezed = g.Op("Squeeze", [x, g.Ints(-2)]);
        var unsqueezed = g.Op("Unsqueeze", [x, g.Ints(1, 3)]);
        var all = g.Op("Squeeze", [g.Input("y", DataType.Float, 1, 3, 1)]);

        g.Infer();

        HasShape(squeezed, "batch", 8);
        HasShape(unsqueezed, "batch", 1, 1, 1, 8);
        HasShape(all, 3);
    }

    [TestMethod]
    public void Reduce_axes_move_from_attribute_to_input()
    {
        var g13 = new TestGraph(13);
        var x = g13.Input("x", DataType.Float, "batch", "seq", 32);
        var sum = g13.Op("ReduceSum", [x, g13.Ints(-1)], Attribute.Of("keepdims", 0L));
        var mean = g13.Op("ReduceMean", [x], Attribute.Of("axes", new long[] { -1 }));
        var all = g13.Op("ReduceMax", [x], Attribute.Of("keepdims", 0L));
        g13.Infer();
        HasShape(sum, "batch", "seq");
        HasShape(mean, "batch", "seq", 1);
        HasShape(all);

        var g18 = new TestGraph(18);
        var y = g18.Input("y", DataType.Float, "batch", "seq", 32);
        var mean18 = g18.Op("ReduceMean", [y, g18.Ints(1)]);
        var noop = g18.Op("ReduceSum", [y], Attribute.Of("noop_with_empty_axes", 1L));
        g18.Infer();
        HasShape(mean18, "batch", 1, 32);
        HasShape(noop, "batch", "seq", 32);
    }

    [TestMethod]
    public void Split_sizes_come_from_attribute_input_or_num_outputs()
    {
        var g11 = new TestGraph(11);
        var parts11 = g11.Ops("Split", 2, [g11.Input("x", DataType.Float, "batch", 96)], "",
            Attribute.Of("axis", -1L), Attribute.Of("split", new long[] { 64, 32 }));
        g11.Infer();
        HasShape(parts11[0]!, "batch", 64);
        HasShape(parts11[1]!, "batch", 32);

        var g13 = new TestGraph(13);
        var x13 = g13.Input("x", DataType.Float, "batch", 96);
        var equal = g13.Ops("Split", 3, [x13], "", Attribute.Of("axis", 1L));
        var sized = g13.Ops("Split", 2, [x13, g13.Ints(16, 80)], "", Attribute.Of("axis", 1L));
        g13.Infer();
        HasShape(equal[2]!, "batch", 32);
        HasShape(sized[1]!, "batch", 80);

        var g18 = new TestGraph(18);
        var uneven = g18.Ops("Split", 3, [g18.Input("x", DataType.Float, 10)], "", Attribute.Of("num_outputs", 3L));
        g18.Infer();
        HasShape(uneven[0]!, 4);
        HasShape(uneven[2]!, 2);
    }

    [TestMethod]
    public void Slice_reads_attributes_before_10_and_inputs_after()
    {
        var g9 = new TestGraph(9);
        var old = g9.Op("Slice", [g9.Input("x", DataType.Float, 10, 20)],
            Attribute.Of("starts", new long[] { 2, -5 }), Attribute.Of("ends", new long[] { 100, -1 }));
        g9.Infer();
        HasShape(old, 8, 4);

        var g13 = new TestGraph(13);
        var x = g13.Input("x", DataType.Float, "batch", 20);
        var stepped = g13.Op("Slice", [x, g13.Ints(-1), g13.Ints(long.MinValue), g13.Ints(-1), g13.Ints(-3)]);
        var whole = g13.Op("Slice", [x, g13.Ints(0), g13.Ints(long.MaxValue), g13.Ints(0)]);
        g13.Infer();
        HasShape(stepped, "batch", 7);
        HasShape(whole, "batch", 20);
    }

    [TestMethod]
    public void Reshape_zero_copies_unless_allowzero()
    {
        var g = new TestGraph(14);
        var x = g.Input("x", DataType.Float, "batch", 0, 4);
        var copied = g.Op("Reshape", [x, g.Ints(0, 0, 2, 2)]);
        var literal = g.Op("Reshape", [g.Input("e", DataType.Float, 0, 4), g.Ints(0, 4)], Attribute.Of("allowzero", 1L));

        g.Infer();

        HasShape(copied, "batch", 0, 2, 2);
        HasShape(literal, 0, 4);
    }

    [TestMethod]
    public void Dropout_mask_is_bool()
    {
        var g = new TestGraph(14);
        var outputs = g.Ops("Dropout", 2, [g.Input("x", DataType.Float, "batch", 8), g.Const(Tensor.Scalar(0.1f)), g.Const(Tensor.Scalar(true))]);

        g.Infer();

        HasType(outputs[0]!, DataType.Float, "batch", 8);
        HasType(outputs[1]!, DataType.Bool, "batch", 8);
    }

    [TestMethod]
    public void Shape_start_and_end_exist_from_15()
    {
        var g = new TestGraph(15);
        var x = g.Input("x", DataType.Float, "batch", "seq", 8);
        var tail = g.Ops("Shape", 1, [x], "", Attribute.Of("start", 1L), Attribute.Of("end", -1L))[0]!;
        var seq = g.Op("Reshape", [g.Input("y", DataType.Float, 4, "len"), g.Op("Concat", [g.Ints(-1), tail], Attribute.Of("axis", 0L))]);

        g.Infer();

        HasShape(tail, 1);
        HasShape(seq, null, "seq");
    }
}

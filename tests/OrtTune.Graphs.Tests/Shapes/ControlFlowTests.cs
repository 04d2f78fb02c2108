using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>If, Loop and Scan take their output types from their bodies.</summary>
[TestClass]
public sealed class ControlFlowTests
{
    private static Graph Branch(string name, Value outer, string op)
    {
        var body = new Graph(name);
        var node = body.Append(new Node("", op, [outer], [$"{name}_out"]));
        body.Outputs.Add(node.Outputs[0]!);
        return body;
    }

    [TestMethod]
    public void If_outputs_keep_what_both_branches_agree_on()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", 8);
        var cond = g.Input("cond", DataType.Bool);
        var y = g.Op("If", [cond], Attribute.Of("then_branch", Branch("then", x, "Relu")), Attribute.Of("else_branch", Branch("else", x, "Transpose")));

        g.Infer();

        HasType(y, DataType.Float, null, null);
    }

    [TestMethod]
    public void If_with_known_condition_takes_its_branch()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", 8);
        var y = g.Op("If", [g.Const(Tensor.Scalar(false))],
            Attribute.Of("then_branch", Branch("then", x, "Relu")), Attribute.Of("else_branch", Branch("else", x, "Transpose")));

        g.Infer();

        HasShape(y, 8, "batch");
    }

    [TestMethod]
    public void Loop_carries_values_and_stacks_scan_outputs()
    {
        var g = new TestGraph();
        var init = g.Input("init", DataType.Float, 4);
        var body = new Graph("body");
        body.AddInput("i", new TensorType(DataType.Int64, Shape.Scalar));
        var condIn = body.AddInput("cond_in", new TensorType(DataType.Bool, Shape.Scalar));
        var acc = body.AddInput(new Value("acc"));
        var next = body.Append(new Node("", "Add", [acc, acc], ["next"])).Outputs[0]!;
        var condOut = body.Append(new Node("", "Identity", [condIn], ["cond_out"])).Outputs[0]!;
        body.Outputs.AddRange([condOut, next, next]);
        var outputs = g.Ops("Loop", 2, [g.Int(5), null, init], "", Attribute.Of("body", body));

        g.Infer();

        HasShape(next, 4);
        HasType(outputs[0]!, DataType.Float, 4);
        HasType(outputs[1]!, DataType.Float, 5, 4);
    }

    [TestMethod]
    public void Scan_slices_inputs_and_stacks_outputs()
    {
        var g = new TestGraph();
        var state = g.Input("state", DataType.Float, 8);
        var sequence = g.Input("seq", DataType.Float, "len", 8);
        var body = new Graph("body");
        var s = body.AddInput(new Value("s"));
        var item = body.AddInput(new Value("item"));
        var sum = body.Append(new Node("", "Add", [s, item], ["sum"])).Outputs[0]!;
        body.Outputs.AddRange([sum, sum]);
        var outputs = g.Ops("Scan", 2, [state, sequence], "", Attribute.Of("body", body), Attribute.Of("num_scan_inputs", 1L),
            Attribute.Of("scan_output_axes", new long[] { 1 }));

        g.Infer();

        HasShape(item, 8);
        HasShape(outputs[0]!, 8);
        HasShape(outputs[1]!, 8, "len");
    }
}

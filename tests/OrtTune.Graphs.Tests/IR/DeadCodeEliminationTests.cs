using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>DeadCodeElimination removes what nothing reads and keeps graph outputs, graph inputs and their producers.</summary>
[TestClass]
public sealed class DeadCodeEliminationTests
{
    private static readonly TensorType Float2 = new(DataType.Float, new Shape(2));

    [TestMethod]
    public void Dead_chain_goes_in_one_run()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var live = g.Append(new Node("", "Relu", [x], ["live"], name: "live"));
        g.Outputs.Add(live.Outputs[0]!);
        var a = g.Append(new Node("", "Neg", [x], ["a"], name: "dead_a"));
        var b = g.Append(new Node("", "Abs", [a.Outputs[0]], ["b"], name: "dead_b"));
        g.Append(new Node("", "Exp", [b.Outputs[0]], ["c"], name: "dead_c"));

        var result = new DeadCodeElimination().Run(new Model(g));

        Assert.IsTrue(result.Modified);
        Assert.AreEqual("removed 3 nodes, 0 initializers", result.Summary);
        CollectionAssert.AreEqual(new[] { "live" }, g.Nodes.Select(n => n.Name).ToList());
        CollectionAssert.AreEqual(new[] { new Use(live, 0) }, x.Uses.ToList());
    }

    [TestMethod]
    public void Unused_initializers_go_and_used_ones_stay()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var used = g.AddInitializer("used", Tensor.Vector(1f, 2f));
        g.AddInitializer("unused", Tensor.Vector(3f, 4f));
        var onlyDead = g.AddInitializer("only_dead", Tensor.Vector(5f, 6f));
        g.Outputs.Add(g.Append(new Node("", "Add", [x, used], ["y"])).Outputs[0]!);
        g.Append(new Node("", "Mul", [x, onlyDead], ["z"]));

        var result = new DeadCodeElimination().Run(new Model(g));

        Assert.AreEqual("removed 1 nodes, 2 initializers", result.Summary);
        CollectionAssert.AreEqual(new[] { "used" }, g.Initializers.Select(v => v.Name).ToList());
        Assert.IsNull(onlyDead.Initializer);
    }

    [TestMethod]
    public void Graph_outputs_and_graph_inputs_stay()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var unreadInput = g.AddInput("unread", Float2);
        // An initializer that is also a graph input (a default that callers may override) and one that is an output.
        var overridable = g.AddInitializer("overridable", Tensor.Vector(1f, 2f));
        g.AddInput(overridable);
        var constantOut = g.AddInitializer("constant_out", Tensor.Vector(3f, 4f));
        var relu = g.Append(new Node("", "Relu", [x], ["r"], name: "relu"));
        g.Outputs.AddRange([relu.Outputs[0]!, constantOut]);

        var result = new DeadCodeElimination().Run(new Model(g));

        Assert.IsFalse(result.Modified, result.Summary);
        CollectionAssert.AreEqual(new[] { "relu" }, g.Nodes.Select(n => n.Name).ToList());
        CollectionAssert.AreEqual(new[] { x, unreadInput, overridable }, g.Inputs);
        CollectionAssert.AreEquivalent(new[] { "overridable", "constant_out" }, g.Initializers.Select(v => v.Name).ToList());
    }

    [TestMethod]
    public void Node_with_one_read_output_of_several_stays()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var split = g.Append(new Node("", "Split", [x], ["s0", "s1"], name: "split"));
        g.Outputs.Add(split.Outputs[1]!);

        new DeadCodeElimination().Run(new Model(g));

        Assert.AreEqual(1, g.NodeCount);
    }

    [TestMethod]
    public void Dead_code_inside_subgraphs_goes_and_branch_outputs_stay()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var outerOnlyDead = g.Append(new Node("", "Neg", [x], ["outer_dead"], name: "outer_dead"));
        var branch = new Graph("then");
        var bias = branch.AddInitializer("bias", Tensor.Vector(1f, 1f));
        branch.AddInitializer("branch_unused", Tensor.Vector(2f, 2f));
        branch.Append(new Node("", "Abs", [outerOnlyDead.Outputs[0]], ["inner_dead"], name: "inner_dead"));
        branch.Outputs.Add(branch.Append(new Node("", "Add", [x, bias], ["then_out"], name: "inner_live")).Outputs[0]!);
        var elseBranch = new Graph("else");
        elseBranch.Outputs.Add(x);
        g.Outputs.Add(g.Append(new Node("", "If", [cond], ["y"],
            [Attribute.Of("then_branch", branch), Attribute.Of("else_branch", elseBranch)], "if")).Outputs[0]!);

        var result = new DeadCodeElimination().Run(new Model(g));

        Assert.IsTrue(result.Modified);
        CollectionAssert.AreEqual(new[] { "inner_live" }, branch.Nodes.Select(n => n.Name).ToList());
        CollectionAssert.AreEqual(new[] { "bias" }, branch.Initializers.Select(v => v.Name).ToList());
        // The outer Neg was read only by the dead node inside the branch, so it goes too.
        CollectionAssert.AreEqual(new[] { "if" }, g.Nodes.Select(n => n.Name).ToList());
    }

    [TestMethod]
    public void Removing_only_a_subgraph_initializer_counts_as_a_change()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var branch = new Graph("then");
        branch.AddInitializer("branch_unused", Tensor.Vector(2f, 2f));
        branch.Outputs.Add(x);
        var elseBranch = new Graph("else");
        elseBranch.Outputs.Add(x);
        g.Outputs.Add(g.Append(new Node("", "If", [cond], ["y"],
            [Attribute.Of("then_branch", branch), Attribute.Of("else_branch", elseBranch)], "if")).Outputs[0]!);

        var result = new DeadCodeElimination().Run(new Model(g));

        Assert.IsEmpty(branch.Initializers);
        Assert.IsTrue(result.Modified, "the pass changed the model but says it did not");
        Assert.AreEqual("removed 0 nodes, 1 initializers", result.Summary);
    }

    [TestMethod]
    public void Second_run_finds_nothing()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        g.Outputs.Add(g.Append(new Node("", "Relu", [x], ["r"])).Outputs[0]!);
        g.Append(new Node("", "Neg", [x], ["n"]));
        var model = new Model(g);
        new DeadCodeElimination().Run(model);

        var second = new DeadCodeElimination().Run(model);

        Assert.IsFalse(second.Modified);
        Assert.AreEqual("removed 0 nodes, 0 initializers", second.Summary);
    }

    [TestMethod]
    public void Fixture_loses_only_the_dead_nodes_added_to_it()
    {
        var path = Path.Combine(TestPaths.FixtureModels, "gpt2", "model.onnx");
        var model = OnnxModelIO.Load(path);
        var before = model.Graph.Nodes.Select(n => n.Name).ToList();
        var initializersBefore = model.Graph.Initializers.Select(v => v.Name).ToList();
        var b = new GraphBuilder(model.Graph, "dead/");
        var reused = model.Graph.Nodes.First(n => n.OpType == "MatMul").Outputs[0]!;
        b.Op("Tanh", b.Op("Mul", reused, b.Scalar(2f)));

        var result = new DeadCodeElimination().Run(model);

        Assert.AreEqual("removed 2 nodes, 1 initializers", result.Summary);
        CollectionAssert.AreEqual(before, model.Graph.Nodes.Select(n => n.Name).ToList());
        CollectionAssert.AreEqual(initializersBefore, model.Graph.Initializers.Select(v => v.Name).ToList());
        var inputs = OrtHarness.FixtureInputs(Path.GetDirectoryName(path)!);
        var expected = OrtHarness.Run(path, inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, tensor) in expected)
            Assert.IsTrue(tensor.ContentEquals(actual[name]), $"output '{name}' changed");
    }
}

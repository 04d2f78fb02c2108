using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>Every edit of a node's inputs keeps the use lists of the values involved exact.</summary>
[TestClass]
public sealed class ValueUseTests
{
    private static readonly TensorType Float3 = new(DataType.Float, new Shape(3));

    [TestMethod]
    public void Constructor_and_AppendInput_record_uses_with_their_index()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var y = g.AddInput("y", Float3);

        var add = g.Append(new Node("", "Add", [x, y], ["s"]));
        add.AppendInput(null);
        add.AppendInput(x);

        CollectionAssert.AreEqual(new[] { new Use(add, 0), new Use(add, 3) }, x.Uses.ToList());
        CollectionAssert.AreEqual(new[] { new Use(add, 1) }, y.Uses.ToList());
    }

    [TestMethod]
    public void SetInput_moves_the_use_from_the_old_value_to_the_new_one()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var y = g.AddInput("y", Float3);
        var add = g.Append(new Node("", "Add", [x, x], ["s"]));

        add.SetInput(1, y);

        CollectionAssert.AreEqual(new[] { new Use(add, 0) }, x.Uses.ToList(), "the other read of x stays");
        CollectionAssert.AreEqual(new[] { new Use(add, 1) }, y.Uses.ToList());
        Assert.AreSame(y, add.Inputs[1]);
    }

    [TestMethod]
    public void SetInput_to_null_drops_the_use_and_back_restores_it()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var node = g.Append(new Node("", "Clip", [x, x], ["c"]));

        node.SetInput(1, null);
        CollectionAssert.AreEqual(new[] { new Use(node, 0) }, x.Uses.ToList());

        node.SetInput(1, x);
        CollectionAssert.AreEquivalent(new[] { new Use(node, 0), new Use(node, 1) }, x.Uses.ToList());
    }

    [TestMethod]
    public void SetInput_with_the_same_value_changes_nothing()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var node = g.Append(new Node("", "Relu", [x], ["r"]));

        node.SetInput(0, x);

        CollectionAssert.AreEqual(new[] { new Use(node, 0) }, x.Uses.ToList());
    }

    [TestMethod]
    public void TruncateInputs_drops_only_the_uses_it_cuts()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var y = g.AddInput("y", Float3);
        var z = g.AddInput("z", Float3);
        var node = g.Append(new Node("", "Sum", [x, y, z, y], ["s"]));

        node.TruncateInputs(2);

        Assert.HasCount(2, node.Inputs);
        CollectionAssert.AreEqual(new[] { new Use(node, 0) }, x.Uses.ToList());
        CollectionAssert.AreEqual(new[] { new Use(node, 1) }, y.Uses.ToList());
        Assert.IsEmpty(z.Uses);
    }

    [TestMethod]
    public void Removing_a_node_drops_its_uses()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var keep = g.Append(new Node("", "Relu", [x], ["r"]));
        var drop = g.Append(new Node("", "Add", [x, x], ["d"]));

        g.Remove(drop);

        CollectionAssert.AreEqual(new[] { new Use(keep, 0) }, x.Uses.ToList());
        Assert.IsEmpty(drop.Inputs);
    }

    [TestMethod]
    public void ReplaceAllUsesWith_rewires_every_reader_but_leaves_graph_outputs_by_default()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var y = g.AddInput("y", Float3);
        var a = g.Append(new Node("", "Relu", [x], ["a"]));
        var b = g.Append(new Node("", "Add", [x, x], ["b"]));
        g.Outputs.Add(x);

        x.ReplaceAllUsesWith(y);

        Assert.IsEmpty(x.Uses);
        CollectionAssert.AreEquivalent(new[] { new Use(a, 0), new Use(b, 0), new Use(b, 1) }, y.Uses.ToList());
        Assert.AreSame(y, a.Inputs[0]);
        Assert.AreSame(y, b.Inputs[1]);
        CollectionAssert.AreEqual(new[] { x }, g.Outputs, "graph outputs are kept unless asked");
    }

    [TestMethod]
    public void ReplaceAllUsesWith_can_replace_graph_outputs_too()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var relu = g.Append(new Node("", "Relu", [x], ["r"])).Outputs[0]!;
        var neg = g.Append(new Node("", "Neg", [x], ["n"])).Outputs[0]!;
        var reader = g.Append(new Node("", "Abs", [relu], ["a"]));
        g.Outputs.AddRange([relu, reader.Outputs[0]!, relu]);

        relu.ReplaceAllUsesWith(neg, replaceGraphOutputs: true);

        CollectionAssert.AreEqual(new[] { neg, reader.Outputs[0], neg }, g.Outputs);
        Assert.IsEmpty(relu.Uses);
        CollectionAssert.AreEqual(new[] { new Use(reader, 0) }, neg.Uses.ToList());
    }

    [TestMethod]
    public void ReplaceAllUsesWith_itself_changes_nothing()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var node = g.Append(new Node("", "Relu", [x], ["r"]));

        x.ReplaceAllUsesWith(x, replaceGraphOutputs: true);

        CollectionAssert.AreEqual(new[] { new Use(node, 0) }, x.Uses.ToList());
    }

    [TestMethod]
    public void Reads_from_inside_a_subgraph_are_uses_of_the_outer_value()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var thenBranch = new Graph("then");
        var inner = thenBranch.Append(new Node("", "Relu", [x], ["t"]));
        thenBranch.Outputs.Add(inner.Outputs[0]!);
        var elseBranch = new Graph("else");
        elseBranch.Outputs.Add(x);
        var ifNode = g.Append(new Node("", "If", [cond], ["y"],
            [Attribute.Of("then_branch", thenBranch), Attribute.Of("else_branch", elseBranch)]));

        CollectionAssert.AreEqual(new[] { new Use(inner, 0) }, x.Uses.ToList());
        Assert.AreSame(g, thenBranch.Parent);
        Assert.AreSame(ifNode, thenBranch.OwnerNode);

        g.Remove(ifNode, safe: false);
        Assert.IsEmpty(x.Uses, "removing the If disconnects its branches' reads");
    }

    [TestMethod]
    public void Removing_a_use_that_is_not_there_fails_loudly()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float3);
        var y = g.AddInput("y", Float3);
        var node = g.Append(new Node("", "Relu", [x], ["r"]));

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => y.RemoveUse(node, 0));
        Assert.Contains("'y' has no use by node", e.Message);
    }
}

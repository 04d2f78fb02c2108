using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>GraphBuilder and Graph.UniqueName: fresh names never collide, and nodes go where the builder points.</summary>
[TestClass]
public sealed class GraphBuilderTests
{
    private static readonly TensorType Float2 = new(DataType.Float, new Shape(2));

    [TestMethod]
    public void Op_appends_a_node_reading_its_inputs()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var b = new GraphBuilder(g);

        var y = b.Op("Relu", x);

        var node = g.Nodes.Single();
        Assert.AreEqual("Relu", node.OpType);
        Assert.AreSame(node, y.Producer);
        Assert.AreSame(g, y.Graph);
        CollectionAssert.AreEqual(new[] { new Use(node, 0) }, x.Uses.ToList());
    }

    [TestMethod]
    public void Repeated_ops_get_distinct_names()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var b = new GraphBuilder(g);

        var outputs = Enumerable.Range(0, 5).Select(_ => b.Op("Add", x, x)).ToList();

        AssertAllNamesUnique(g);
        Assert.HasCount(5, outputs.Select(v => v.Name).Distinct());
        Assert.HasCount(5, g.Nodes.Select(n => n.Name).Distinct());
    }

    [TestMethod]
    public void Fresh_names_avoid_every_existing_name()
    {
        // Existing values and nodes take exactly the names the builder would pick first.
        var g = new Graph();
        var x = g.AddInput("Relu", Float2);
        g.AddInitializer("Relu_out0", Tensor.Vector(1f, 2f));
        g.AddInitializer("const", Tensor.Vector(1f, 2f));
        g.Append(new Node("", "Neg", [x], ["Relu_1"], name: "Relu_1_out0"));
        var b = new GraphBuilder(g);

        b.Op("Relu", x);
        b.Op("Relu", x);
        b.Scalar(1f);
        b.Vector(1, 2);

        AssertAllNamesUnique(g);
    }

    [TestMethod]
    public void Multi_output_op_in_a_custom_domain()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var b = new GraphBuilder(g);

        var outputs = b.Add("com.example", "Twice", [x, null], 2, Attribute.Of("k", 3L));

        var node = g.Nodes.Single();
        Assert.AreEqual("com.example::Twice", node.QualifiedOpType);
        Assert.HasCount(2, outputs);
        Assert.AreNotEqual(outputs[0]!.Name, outputs[1]!.Name);
        Assert.AreEqual(1, outputs[1]!.ProducerOutputIndex);
        Assert.AreEqual(3L, node.GetInt("k", 0));
        Assert.IsNull(node.Inputs[1]);
    }

    [TestMethod]
    public void Name_prefix_is_applied()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var b = new GraphBuilder(g, "lora/");

        var y = b.Op("MatMul", x, b.Constant(Tensor.FromArray([1f, 0f, 0f, 1f], 2, 2), "w"));

        Assert.StartsWith("lora/", y.Name);
        Assert.StartsWith("lora/", g.Nodes.Single().Name);
        Assert.AreEqual("lora/w", g.Initializers.Single().Name);
    }

    [TestMethod]
    public void InsertionPoint_puts_new_nodes_before_it_in_call_order()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var first = g.Append(new Node("", "Relu", [x], ["r"], name: "first"));
        var last = g.Append(new Node("", "Neg", [first.Outputs[0]], ["n"], name: "last"));
        var b = new GraphBuilder(g) { InsertionPoint = last };

        var a = b.Op("Abs", first.Outputs[0]);
        b.Op("Exp", a);
        b.InsertionPoint = null;
        b.Op("Sqrt", x);

        CollectionAssert.AreEqual(new[] { "Relu", "Abs", "Exp", "Neg", "Sqrt" }, g.Nodes.Select(n => n.OpType).ToList());
    }

    [TestMethod]
    public void Constants_are_initializers_with_their_values()
    {
        var g = new Graph();
        var b = new GraphBuilder(g);

        var s = b.Scalar(2.5f);
        var l = b.Scalar(7L, "seven");
        var v = b.Vector(1, -2, 3);

        Assert.AreEqual(2.5f, s.Initializer!.ToArray<float>().Single());
        Assert.AreEqual(0, s.Initializer.Rank);
        Assert.AreEqual("seven", l.Name);
        CollectionAssert.AreEqual(new long[] { 1, -2, 3 }, v.Initializer!.ToArray<long>());
        Assert.HasCount(3, g.Initializers.Select(i => i.Name).Distinct());
    }

    [TestMethod]
    public void UniqueName_is_unique_across_subgraphs()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var branch = new Graph("then");
        branch.AddInitializer("inside_init", Tensor.Vector(1f, 2f));
        branch.Outputs.Add(branch.Append(new Node("", "Relu", [x], ["inside"], name: "inside_node")).Outputs[0]!);
        var elseBranch = new Graph("else");
        elseBranch.Outputs.Add(x);
        g.Append(new Node("", "If", [cond], ["y"], [Attribute.Of("then_branch", branch), Attribute.Of("else_branch", elseBranch)], "if"));

        Assert.AreNotEqual("inside", g.UniqueName("inside"));
        Assert.AreNotEqual("inside_init", g.UniqueName("inside_init"));
        Assert.AreNotEqual("inside_node", g.UniqueName("inside_node"));
        // A subgraph hands out names from the same pool as the whole model.
        var fromBranch = branch.UniqueName("y");
        Assert.AreNotEqual("y", fromBranch);
        Assert.AreNotEqual(fromBranch, g.UniqueName("y"));
    }

    [TestMethod]
    public void UniqueName_sees_names_added_after_its_first_call()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var branch = new Graph("then");
        branch.Outputs.Add(x);
        var elseBranch = new Graph("else");
        elseBranch.Outputs.Add(x);
        g.Append(new Node("", "If", [cond], ["y"], [Attribute.Of("then_branch", branch), Attribute.Of("else_branch", elseBranch)], "if"));
        Assert.AreEqual("first", g.UniqueName("first"), "builds the name table");

        g.AddInput("late_input", Float2);
        g.AddInitializer("late_init", Tensor.Vector(1f, 2f));
        g.Append(new Node("", "Relu", [x], ["late_out"], name: "late_node"));
        branch.Append(new Node("", "Neg", [x], ["late_branch_out"], name: "late_branch_node"));
        branch.AddInitializer("late_branch_init", Tensor.Vector(1f, 2f));
        var renamed = branch.AddInitializer("to_rename", Tensor.Vector(1f, 2f));
        branch.RenameValue(renamed, "late_renamed");
        var newBranch = new Graph("new_then");
        newBranch.Outputs.Add(newBranch.Append(new Node("", "Abs", [x], ["late_new_branch_out"], name: "late_new_branch_node")).Outputs[0]!);
        var newElse = new Graph("new_else");
        newElse.Outputs.Add(x);
        g.Append(new Node("", "If", [cond], ["late_y"], [Attribute.Of("then_branch", newBranch), Attribute.Of("else_branch", newElse)], "late_if"));

        foreach (var name in new[] { "late_input", "late_init", "late_out", "late_node", "late_branch_out", "late_branch_node",
                     "late_branch_init", "late_renamed", "late_new_branch_out", "late_new_branch_node", "late_y", "late_if" })
            Assert.AreNotEqual(name, g.UniqueName(name), $"'{name}' is taken but was handed out again");
    }

    [TestMethod]
    public void Builder_on_a_loaded_fixture_adds_only_unique_names()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var g = model.Graph;
        var b = new GraphBuilder(g);
        var existing = g.Nodes.Take(20).Select(n => n.Outputs[0]!).ToList();

        foreach (var v in existing) b.Op("Identity", v);
        foreach (var n in g.Nodes.Take(10).ToList()) b.Op(n.OpType, n.Inputs.ToArray());

        AssertAllNamesUnique(g);
    }

    /// <summary>Every value name (inputs, initializers, node outputs, subgraphs included) and node name appears once.</summary>
    private static void AssertAllNamesUnique(Graph g)
    {
        var values = new List<string>();
        var nodes = new List<string>();
        void Walk(Graph graph)
        {
            values.AddRange(graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name));
            values.AddRange(graph.Initializers.Select(v => v.Name));
            foreach (var n in graph.Nodes)
            {
                if (n.Name.Length > 0) nodes.Add(n.Name);
                values.AddRange(n.Outputs.OfType<Value>().Select(v => v.Name));
                foreach (var s in n.Subgraphs) Walk(s);
            }
        }
        Walk(g);
        var twice = values.GroupBy(n => n).Where(x => x.Count() > 1).Select(x => x.Key).ToList();
        Assert.IsEmpty(twice, $"value names used twice: {string.Join(", ", twice)}");
        var nodesTwice = nodes.GroupBy(n => n).Where(x => x.Count() > 1).Select(x => x.Key).ToList();
        Assert.IsEmpty(nodesTwice, $"node names used twice: {string.Join(", ", nodesTwice)}");
    }
}

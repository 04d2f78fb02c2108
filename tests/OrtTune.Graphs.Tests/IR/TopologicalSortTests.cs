using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>TopologicalSort: leaves sorted graphs alone, fixes shuffled ones, counts subgraph reads, reports cycles.</summary>
[TestClass]
public sealed class TopologicalSortTests
{
    private static readonly TensorType Float2 = new(DataType.Float, new Shape(2));

    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Sorted_fixture_keeps_its_order(string fixture)
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx"));
        var before = model.Graph.Nodes.ToList();

        model.Graph.TopologicalSort();

        CollectionAssert.AreEqual(before, model.Graph.Nodes.ToList());
    }

    [TestMethod]
    [DataRow("gpt2", 1)]
    [DataRow("gpt2", 2)]
    [DataRow("llama", 3)]
    [DataRow("bert_opset17", 4)]
    public void Shuffled_fixture_is_put_back_in_order(string fixture, int seed)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx")));
        var shuffled = proto.Graph.Node.OrderBy(_ => 0).ToArray();
        new Random(seed).Shuffle(shuffled);
        proto.Graph.Node.Clear();
        proto.Graph.Node.AddRange(shuffled);
        var model = OnnxModelIO.Load(proto.ToByteArray());
        Assert.IsNotNull(FirstOutOfOrder(model.Graph), "premise: the shuffle broke the order");

        model.Graph.TopologicalSort();

        Assert.IsNull(FirstOutOfOrder(model.Graph), $"'{FirstOutOfOrder(model.Graph)?.Name}' comes before a producer it reads");
        Assert.AreEqual(proto.Graph.Node.Count, model.Graph.NodeCount);
        CollectionAssert.AreEquivalent(proto.Graph.Node.Select(n => n.Name).ToList(), model.Graph.Nodes.Select(n => n.Name).ToList());
        Assert.AreSame(model.Graph.Nodes.Last(), model.Graph.LastNode);
    }

    [TestMethod]
    public void Only_nodes_that_must_move_do()
    {
        // b reads a but comes first; c is independent and already before a, so it stays first.
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var a = new Node("", "Relu", [x], ["a_out"], name: "a");
        var b = g.Append(new Node("", "Neg", [a.Outputs[0]], ["b_out"], name: "b"));
        g.Append(new Node("", "Abs", [x], ["c_out"], name: "c"));
        g.Append(a);

        g.TopologicalSort();

        CollectionAssert.AreEqual(new[] { "c", "a", "b" }, g.Nodes.Select(n => n.Name).ToList());
        Assert.AreSame(b, g.LastNode);
        Assert.AreEqual("c", g.FirstNode!.Name);
    }

    [TestMethod]
    public void Reads_inside_nested_subgraphs_order_their_producers_first()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var producer = new Node("", "Relu", [x], ["p"], name: "producer");
        // outer If -> then branch -> inner If -> then branch reads p.
        var innerThen = new Graph("inner_then");
        innerThen.Outputs.Add(innerThen.Append(new Node("", "Neg", [producer.Outputs[0]], ["deep"], name: "deep_reader")).Outputs[0]!);
        var innerElse = new Graph("inner_else");
        innerElse.Outputs.Add(x);
        var outerThen = new Graph("outer_then");
        outerThen.Outputs.Add(outerThen.Append(new Node("", "If", [cond], ["inner_y"],
            [Attribute.Of("then_branch", innerThen), Attribute.Of("else_branch", innerElse)], "inner_if")).Outputs[0]!);
        var outerElse = new Graph("outer_else");
        outerElse.Outputs.Add(x);
        g.Append(new Node("", "If", [cond], ["y"], [Attribute.Of("then_branch", outerThen), Attribute.Of("else_branch", outerElse)], "outer_if"));
        g.Append(producer);

        g.TopologicalSort();

        CollectionAssert.AreEqual(new[] { "producer", "outer_if" }, g.Nodes.Select(n => n.Name).ToList());
    }

    [TestMethod]
    public void Cycle_is_reported_with_the_nodes_on_it()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var first = g.Append(new Node("", "Add", [x, x], ["f"], name: "first"));
        var second = g.Append(new Node("", "Neg", [first.Outputs[0]], ["s"], name: "second"));
        first.SetInput(1, second.Outputs[0]);
        g.Append(new Node("", "Abs", [x], ["free"], name: "free"));

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.TopologicalSort());

        Assert.Contains("cycle", e.Message);
        Assert.Contains("'first'", e.Message);
        Assert.Contains("'second'", e.Message);
        Assert.DoesNotContain("'free'", e.Message);
        CollectionAssert.AreEqual(new[] { "first", "second", "free" }, g.Nodes.Select(n => n.Name).ToList(), "a failed sort changes nothing");
    }

    [TestMethod]
    public void Self_loop_is_a_cycle()
    {
        var g = new Graph();
        var x = g.AddInput("x", Float2);
        var node = g.Append(new Node("", "Add", [x, x], ["loop"], name: "self"));
        node.SetInput(1, node.Outputs[0]);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.TopologicalSort());
        Assert.Contains("'self'", e.Message);
    }

    [TestMethod]
    public void Empty_graph_sorts()
    {
        var g = new Graph();

        g.TopologicalSort();

        Assert.IsEmpty(g.Nodes);
        Assert.IsNull(g.FirstNode);
        Assert.IsNull(g.LastNode);
    }

    /// <summary>The first node that reads (itself or inside its subgraphs) a value produced later in the list.</summary>
    private static Node? FirstOutOfOrder(Graph g)
    {
        var seen = new HashSet<Node>();
        foreach (var n in g.Nodes)
        {
            var reads = n.Inputs.Concat(n.Subgraphs.SelectMany(s => s.AllNodes()).SelectMany(i => i.Inputs));
            if (reads.Any(v => v?.Producer is { } p && p.Graph == g && !seen.Contains(p))) return n;
            seen.Add(n);
        }
        return null;
    }
}

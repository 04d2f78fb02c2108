using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>The node list: insertion, safe removal, and edits made while enumerating <see cref="Graph.Nodes"/>.</summary>
[TestClass]
public sealed class NodeListTests
{
    [TestMethod]
    public void Append_InsertBefore_and_InsertAfter_put_nodes_where_asked()
    {
        var (g, nodes) = Independent(3);

        g.InsertBefore(nodes[0], NewNode(g, "head"));
        g.InsertAfter(nodes[0], NewNode(g, "after0"));
        g.InsertBefore(nodes[2], NewNode(g, "before2"));
        g.InsertAfter(nodes[2], NewNode(g, "tail"));

        CollectionAssert.AreEqual(new[] { "head", "n0", "after0", "n1", "before2", "n2", "tail" }, Names(g));
        Assert.AreEqual(7, g.NodeCount);
        Assert.AreEqual("head", g.FirstNode!.Name);
        Assert.AreEqual("tail", g.LastNode!.Name);
    }

    [TestMethod]
    public void A_node_cannot_be_in_two_places()
    {
        var (g, nodes) = Independent(2);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.Append(nodes[0]));
        Assert.Contains("'n0' is already in graph", e.Message);
        Assert.ThrowsExactly<InvalidOperationException>(() => new Graph("other").Append(nodes[1]));
    }

    [TestMethod]
    public void Safe_remove_refuses_a_node_whose_output_is_read()
    {
        var g = new Graph();
        var x = g.AddInput("x", new TensorType(DataType.Float, new Shape(2)));
        var producer = g.Append(new Node("", "Relu", [x], ["r"], name: "producer"));
        g.Append(new Node("", "Neg", [producer.Outputs[0]], ["n"], name: "reader"));

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.Remove(producer));

        Assert.Contains("'producer'", e.Message);
        Assert.Contains("'r' is read by 'reader'", e.Message);
        CollectionAssert.AreEqual(new[] { "producer", "reader" }, Names(g), "a refused removal changes nothing");
        Assert.HasCount(1, x.Uses);
    }

    [TestMethod]
    public void Safe_remove_refuses_a_node_whose_output_is_a_graph_output()
    {
        var g = new Graph();
        var x = g.AddInput("x", new TensorType(DataType.Float, new Shape(2)));
        var node = g.Append(new Node("", "Relu", [x], ["r"], name: "last"));
        g.Outputs.Add(node.Outputs[0]!);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.Remove(node));

        Assert.Contains("'last'", e.Message);
        Assert.Contains("'r' is a graph output", e.Message);
        Assert.AreEqual(1, g.NodeCount);
    }

    [TestMethod]
    public void Unsafe_remove_takes_the_node_out_anyway()
    {
        var g = new Graph();
        var x = g.AddInput("x", new TensorType(DataType.Float, new Shape(2)));
        var producer = g.Append(new Node("", "Relu", [x], ["r"], name: "producer"));
        g.Append(new Node("", "Neg", [producer.Outputs[0]], ["n"], name: "reader"));

        g.Remove(producer, safe: false);

        CollectionAssert.AreEqual(new[] { "reader" }, Names(g));
        Assert.IsNull(producer.Graph);
        Assert.IsEmpty(x.Uses);
    }

    [TestMethod]
    public void Removing_the_ends_updates_first_and_last()
    {
        var (g, nodes) = Independent(3);

        g.Remove(nodes[0]);
        g.Remove(nodes[2]);

        Assert.AreSame(nodes[1], g.FirstNode);
        Assert.AreSame(nodes[1], g.LastNode);
        g.Remove(nodes[1]);
        Assert.IsNull(g.FirstNode);
        Assert.IsNull(g.LastNode);
        Assert.AreEqual(0, g.NodeCount);
        Assert.IsEmpty(g.Nodes);
    }

    [TestMethod]
    public void Removing_a_node_of_another_graph_is_refused()
    {
        var (g, _) = Independent(1);
        var (other, otherNodes) = Independent(1);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => g.Remove(otherNodes[0]));
        Assert.Contains("is not in graph", e.Message);
        Assert.AreEqual(1, other.NodeCount);
    }

    [TestMethod]
    public void Removing_each_node_as_it_is_visited_visits_all_of_them()
    {
        var (g, _) = Independent(5);

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            g.Remove(n);
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "n2", "n3", "n4" }, visited);
        Assert.AreEqual(0, g.NodeCount);
    }

    [TestMethod]
    public void Removing_the_current_and_the_next_node_skips_only_the_removed_one()
    {
        var (g, nodes) = Independent(5);

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            if (n == nodes[1])
            {
                g.Remove(nodes[2]);
                g.Remove(nodes[1]);
            }
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "n3", "n4" }, visited);
    }

    [TestMethod]
    public void Removing_earlier_nodes_does_not_disturb_the_walk()
    {
        var (g, nodes) = Independent(4);

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            if (n == nodes[2]) g.Remove(nodes[0]);
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "n2", "n3" }, visited);
    }

    [TestMethod]
    public void Nodes_inserted_after_the_current_one_are_visited_and_before_it_are_not()
    {
        var (g, nodes) = Independent(3);

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            if (n == nodes[1])
            {
                g.InsertAfter(n, NewNode(g, "ahead"));
                g.InsertBefore(n, NewNode(g, "behind"));
                g.Append(NewNode(g, "end"));
            }
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "ahead", "n2", "end" }, visited);
        CollectionAssert.AreEqual(new[] { "n0", "behind", "n1", "ahead", "n2", "end" }, Names(g));
    }

    [TestMethod]
    public void Replacing_the_current_node_continues_after_it()
    {
        var (g, nodes) = Independent(3);

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            if (n == nodes[1])
            {
                g.InsertAfter(n, NewNode(g, "replacement"));
                g.Remove(n);
            }
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "replacement", "n2" }, visited);
    }

    [TestMethod]
    public void Moving_the_current_node_to_another_graph_continues_the_walk()
    {
        var (g, nodes) = Independent(3);
        var other = new Graph("other");

        var visited = new List<string>();
        foreach (var n in g.Nodes)
        {
            visited.Add(n.Name);
            if (n == nodes[0])
            {
                g.Remove(n);
                other.Append(n);
            }
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "n2" }, visited);
        CollectionAssert.AreEqual(new[] { "n0" }, Names(other));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    [DataRow(4)]
    [DataRow(5)]
    public void Random_edits_while_enumerating_visit_every_surviving_node_exactly_once(int seed)
    {
        var random = new Random(seed);
        var (g, original) = Independent(40);
        var removedBeforeVisit = new HashSet<Node>();
        var visited = new List<Node>();
        int inserted = 0;

        foreach (var n in g.Nodes)
        {
            visited.Add(n);
            for (int edits = random.Next(4); edits > 0; edits--)
            {
                var live = g.Nodes.ToList();
                if (live.Count == 0) break;
                var target = live[random.Next(live.Count)];
                switch (random.Next(4))
                {
                    case 0:
                        if (!visited.Contains(target)) removedBeforeVisit.Add(target);
                        g.Remove(target);
                        break;
                    case 1: g.InsertBefore(target, NewNode(g, $"ins{inserted++}")); break;
                    case 2: g.InsertAfter(target, NewNode(g, $"ins{inserted++}")); break;
                    default:
                        if (n.Graph == g) g.Remove(n);
                        break;
                }
            }
        }

        var twice = visited.GroupBy(n => n).Where(x => x.Count() > 1).Select(x => x.Key.Name).ToList();
        Assert.IsEmpty(twice, $"visited twice: {string.Join(", ", twice)}");
        var missed = original.Where(n => !removedBeforeVisit.Contains(n) && !visited.Contains(n)).Select(n => n.Name).ToList();
        Assert.IsEmpty(missed, $"never visited: {string.Join(", ", missed)}");
        var ghosts = visited.Where(removedBeforeVisit.Contains).Select(n => n.Name).ToList();
        Assert.IsEmpty(ghosts, $"visited after removal: {string.Join(", ", ghosts)}");
    }

    /// <summary>A graph of <paramref name="count"/> unconnected nodes n0, n1, ... that nothing reads.</summary>
    private static (Graph, Node[]) Independent(int count)
    {
        var g = new Graph();
        var nodes = Enumerable.Range(0, count).Select(i => g.Append(new Node("", "RandomNormal", [], [$"v{i}"], name: $"n{i}"))).ToArray();
        return (g, nodes);
    }

    private static Node NewNode(Graph g, string name) => new("", "RandomNormal", [], [g.UniqueName(name + "_out")], name: name);

    private static List<string> Names(Graph g) => g.Nodes.Select(n => n.Name).ToList();
}

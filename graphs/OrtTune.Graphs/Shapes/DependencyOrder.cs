using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// The nodes of a graph in an order where producers come first, without reordering the graph itself (inference
/// only reads structure). Values a node reads inside its subgraphs count as its inputs.
/// </summary>
internal static class DependencyOrder
{
    public static IReadOnlyList<Node> Of(Graph graph)
    {
        var nodes = graph.Nodes.ToList();
        var index = new Dictionary<Node, int>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++) index[nodes[i]] = i;

        var producers = new List<int>[nodes.Count];
        bool sorted = true;
        for (int i = 0; i < nodes.Count; i++)
        {
            producers[i] = Reads(nodes[i]).Select(v => v.Producer is { } p && index.TryGetValue(p, out int j) ? j : -1)
                .Where(j => j >= 0 && j != i).Distinct().ToList();
            sorted &= producers[i].All(j => j < i);
        }
        if (sorted) return nodes;

        var pending = new int[nodes.Count];
        var consumers = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++) consumers[i] = [];
        for (int i = 0; i < nodes.Count; i++)
            foreach (int j in producers[i])
            {
                pending[i]++;
                consumers[j].Add(i);
            }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(nodes[i]);
            foreach (int c in consumers[i])
                if (--pending[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, i) => pending[i] > 0).Take(3).Select(n => InferenceContext.Describe(n));
            throw new ShapeException($"Shape inference: graph '{graph.Name}' has a cycle through {string.Join(", ", stuck)}.");
        }
        return order;
    }

    private static IEnumerable<Value> Reads(Node node)
    {
        foreach (var v in node.Inputs)
            if (v is not null) yield return v;
        foreach (var sub in node.Subgraphs)
            foreach (var inner in sub.AllNodes())
                foreach (var v in inner.Inputs)
                    if (v is not null) yield return v;
        foreach (var sub in node.Subgraphs)
            foreach (var v in sub.Outputs) yield return v;
    }
}

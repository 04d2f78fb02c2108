namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// The SF graph augmentation: one virtual node per class after the real nodes (ids N..N+C−1), linked in both
/// directions to the training nodes of its class. Validation and test nodes get no class edge, so labels outside
/// the training set never reach the graph.
/// </summary>
public static class VirtualClassNodes
{
    public static (long[] Source, long[] Target) AugmentedEdges(GraphDataset graph, NodeSplit split) =>
        Edges(graph, split.Train, n => graph.Labels[n]);

    /// <summary>The data graph's edges plus, for each of <paramref name="nodes"/>, both edges to the class node of <paramref name="classOf"/>(node).</summary>
    public static (long[] Source, long[] Target) Edges(GraphDataset graph, IReadOnlyList<int> nodes, Func<int, int> classOf)
    {
        int e = graph.EdgeCount, t = nodes.Count;
        var source = new long[e + 2 * t];
        var target = new long[e + 2 * t];
        for (int i = 0; i < e; i++) (source[i], target[i]) = (graph.EdgeSource[i], graph.EdgeTarget[i]);
        for (int i = 0; i < t; i++)
        {
            int node = nodes[i];
            long classNode = graph.NodeCount + classOf(node);
            (source[e + i], target[e + i]) = (node, classNode);
            (source[e + t + i], target[e + t + i]) = (classNode, node);
        }
        return (source, target);
    }
}

namespace OrtTune.Graphs.IR;

/// <summary>
/// Adds nodes to a graph with fresh, unique output names: <c>var y = b.Op("MatMul", x, w);</c>. New nodes go to
/// the end of the graph, or before <see cref="InsertionPoint"/> when one is set.
/// </summary>
public sealed class GraphBuilder(Graph graph, string namePrefix = "")
{
    public Graph Graph { get; } = graph;

    /// <summary>Called after each node is added, e.g. to infer its output types.</summary>
    public Action<Node>? NodeAdded { get; init; }

    /// <summary>When set, new nodes are inserted before this node instead of appended.</summary>
    public Node? InsertionPoint { get; set; }

    /// <summary>Adds a default-domain op with one output and returns that output.</summary>
    public Value Op(string opType, params Value?[] inputs) => Add("", opType, inputs, 1)[0]!;

    public Value Op(string opType, Value?[] inputs, params Attribute[] attributes) => Add("", opType, inputs, 1, attributes)[0]!;

    /// <summary>Adds a node of any domain with <paramref name="outputCount"/> outputs and returns them.</summary>
    public IReadOnlyList<Value?> Add(string domain, string opType, Value?[] inputs, int outputCount, params Attribute[] attributes)
    {
        string nodeName = Graph.UniqueName(namePrefix + opType);
        var outputs = Enumerable.Range(0, outputCount).Select(i => Graph.UniqueName($"{nodeName}_out{i}"));
        var node = new Node(domain, opType, inputs, outputs, attributes, nodeName);
        if (InsertionPoint is null) Graph.Append(node); else Graph.InsertBefore(InsertionPoint, node);
        NodeAdded?.Invoke(node);
        return node.Outputs;
    }

    /// <summary>A new initializer with a unique name derived from <paramref name="hint"/>.</summary>
    public Value Constant(Tensor tensor, string hint = "const") => Graph.AddInitializer(Graph.UniqueName(namePrefix + hint), tensor);

    public Value Scalar(float v, string hint = "const") => Constant(Tensor.Scalar(v), hint);
    public Value Scalar(long v, string hint = "const") => Constant(Tensor.Scalar(v), hint);
    public Value Vector(params long[] v) => Constant(Tensor.Vector(v), "const");
}

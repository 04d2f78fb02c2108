namespace OrtTune.Graphs.IR;

/// <summary>One consumer of a value: <see cref="Node"/> reads it as input number <see cref="InputIndex"/>.</summary>
public readonly record struct Use(Node Node, int InputIndex);

/// <summary>
/// A named edge of the graph: produced by at most one node (none for graph inputs and initializers) and read by the
/// nodes in <see cref="Uses"/>. Nodes inside subgraphs that read an outer-scope value appear in its uses too.
/// </summary>
public sealed class Value
{
    private readonly List<Use> _uses = [];

    public Value(string name, ValueType? type = null)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; set; }
    public ValueType? Type { get; set; }
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>The node that computes this value, or null for graph inputs and initializers.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Which output of <see cref="Producer"/> this is.</summary>
    public int ProducerOutputIndex { get; internal set; }

    /// <summary>The graph this value belongs to (set when it becomes an input, initializer or node output of one).</summary>
    public Graph? Graph { get; internal set; }

    /// <summary>Constant data when this value is an initializer of its graph.</summary>
    public Tensor? Initializer { get; internal set; }

    public IReadOnlyList<Use> Uses => _uses;

    public bool IsInitializer => Initializer is not null;
    public bool IsGraphInput => Graph is not null && Graph.Inputs.Contains(this);
    public bool IsGraphOutput => Graph is not null && Graph.Outputs.Contains(this);

    public TensorType? TensorType => Type as TensorType;
    public Shape? Shape => TensorType?.Shape;
    public DataType ElemType => TensorType?.ElemType ?? DataType.Undefined;

    internal void AddUse(Node node, int index) => _uses.Add(new Use(node, index));

    internal void RemoveUse(Node node, int index)
    {
        int i = _uses.IndexOf(new Use(node, index));
        if (i < 0) throw new InvalidOperationException($"Value '{Name}' has no use by node '{node.Name}' input {index}.");
        _uses.RemoveAt(i);
    }

    /// <summary>
    /// Makes every consumer read <paramref name="replacement"/> instead of this value; with
    /// <paramref name="replaceGraphOutputs"/> also swaps this value out of its graph's outputs.
    /// </summary>
    public void ReplaceAllUsesWith(Value replacement, bool replaceGraphOutputs = false)
    {
        if (ReferenceEquals(replacement, this)) return;
        foreach (var use in _uses.ToArray()) use.Node.SetInput(use.InputIndex, replacement);
        if (replaceGraphOutputs && Graph is not null)
            for (int i = 0; i < Graph.Outputs.Count; i++)
                if (ReferenceEquals(Graph.Outputs[i], this)) Graph.Outputs[i] = replacement;
    }

    public override string ToString() => $"%{Name}: {Type?.ToString() ?? "?"}";
}

namespace OrtTune.Graphs.IR;

/// <summary>
/// An operator application. Inputs may contain null for omitted optional inputs; outputs may contain null for
/// omitted optional outputs. Setting an input keeps the use lists of the old and new values right.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = [];
    private readonly List<Value?> _outputs = [];

    /// <summary>Creates a node with fresh output values named <paramref name="outputNames"/> ("" for an omitted output).</summary>
    public Node(string domain, string opType, IEnumerable<Value?> inputs, IEnumerable<string> outputNames,
        IEnumerable<Attribute>? attributes = null, string? name = null)
    {
        Domain = NormalizeDomain(domain);
        OpType = opType;
        Name = name ?? "";
        foreach (var input in inputs) AppendInput(input);
        foreach (var outputName in outputNames)
            AppendOutput(outputName.Length == 0 ? null : new Value(outputName));
        if (attributes is not null)
            foreach (var a in attributes) Attributes[a.Name] = a;
    }

    /// <summary>"" stands for the default ONNX domain (also written "ai.onnx").</summary>
    public string Domain { get; set; }
    public string OpType { get; set; }
    public string Name { get; set; }
    public string Overload { get; set; } = "";
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>Attributes by name, in insertion order.</summary>
    public Dictionary<string, Attribute> Attributes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Value?> Inputs => _inputs;
    public IReadOnlyList<Value?> Outputs => _outputs;

    /// <summary>The graph whose node list holds this node.</summary>
    public Graph? Graph { get; internal set; }
    internal Node? Prev { get; set; }
    internal Node? Next { get; set; }

    /// <summary>"Domain::OpType" for messages, or just OpType in the default domain.</summary>
    public string QualifiedOpType => Domain.Length == 0 ? OpType : $"{Domain}::{OpType}";

    public static string NormalizeDomain(string? domain) => domain is null or "ai.onnx" ? "" : domain;

    public void SetInput(int index, Value? value)
    {
        var old = _inputs[index];
        if (ReferenceEquals(old, value)) return;
        old?.RemoveUse(this, index);
        _inputs[index] = value;
        value?.AddUse(this, index);
    }

    public void AppendInput(Value? value)
    {
        _inputs.Add(value);
        value?.AddUse(this, _inputs.Count - 1);
    }

    /// <summary>Drops inputs from the end so that <paramref name="count"/> remain.</summary>
    public void TruncateInputs(int count)
    {
        for (int i = _inputs.Count - 1; i >= count; i--)
        {
            _inputs[i]?.RemoveUse(this, i);
            _inputs.RemoveAt(i);
        }
    }

    /// <summary>Disconnects every input, so this node no longer counts as a use of anything.</summary>
    public void ClearInputs() => TruncateInputs(0);

    public void AppendOutput(Value? value)
    {
        if (value is not null)
        {
            if (value.Producer is not null) throw new InvalidOperationException($"Value '{value.Name}' already has a producer.");
            value.Producer = this;
            value.ProducerOutputIndex = _outputs.Count;
            value.Graph = Graph;
        }
        _outputs.Add(value);
    }

    /// <summary>The value of input <paramref name="index"/>, or null if the input is omitted or absent.</summary>
    public Value? InputOrNull(int index) => index < _inputs.Count ? _inputs[index] : null;

    public Attribute? Attr(string name) => Attributes.GetValueOrDefault(name);
    public long GetInt(string name, long fallback) => Attr(name)?.AsInt() ?? fallback;
    public float GetFloat(string name, float fallback) => Attr(name)?.AsFloat() ?? fallback;
    public string GetString(string name, string fallback) => Attr(name)?.AsString() ?? fallback;
    public long[]? GetInts(string name) => Attr(name)?.AsInts();
    public void SetAttr(Attribute attribute) => Attributes[attribute.Name] = attribute;

    /// <summary>Every subgraph held by this node's attributes (If branches, Loop/Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs => Attributes.Values.SelectMany(a => a.Subgraphs);

    public override string ToString() =>
        $"{QualifiedOpType}('{Name}': {string.Join(", ", _inputs.Select(v => v?.Name ?? ""))} -> {string.Join(", ", _outputs.Select(v => v?.Name ?? ""))})";
}

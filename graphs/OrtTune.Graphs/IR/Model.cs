namespace OrtTune.Graphs.IR;

/// <summary>An ONNX model: the main graph plus the file-level facts (IR version, operator set imports, producer).</summary>
public sealed class Model
{
    public Model(Graph graph) => Graph = graph;

    public Graph Graph { get; set; }
    public long IrVersion { get; set; } = 8;

    /// <summary>Operator set version per domain; "" is the default ONNX domain.</summary>
    public Dictionary<string, long> OpsetImports { get; } = new(StringComparer.Ordinal);
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>Training-info sections, kept as protobuf bytes (OrtTune writes its own training graphs).</summary>
    public List<byte[]> OpaqueTrainingInfo { get; } = [];

    /// <summary>The operator set version imported for <paramref name="domain"/>, or null when it is not imported.</summary>
    public long? Opset(string domain = "") =>
        OpsetImports.TryGetValue(Node.NormalizeDomain(domain), out var v) ? v : null;

    /// <summary>The default-domain operator set version; every model has one.</summary>
    public long DefaultOpset => Opset("") ?? throw new InvalidOperationException("The model imports no default ONNX operator set.");
}

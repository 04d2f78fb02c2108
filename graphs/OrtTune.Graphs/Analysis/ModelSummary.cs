using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;

namespace OrtTune.Graphs.Analysis;

/// <summary>One graph input or output as shown to users.</summary>
public sealed record ValueSummary(string Name, string ElemType, string Shape, IReadOnlyList<string> DynamicDims);

/// <summary>A node worth pointing out, with why.</summary>
public sealed record NodeNote(string Node, string Op, string Note);

/// <summary>What `orttune inspect` shows: interface, op histogram, parameters, dynamic dims and trouble spots.</summary>
public sealed record ModelSummary
{
    public required string Producer { get; init; }
    public required long IrVersion { get; init; }
    public required IReadOnlyDictionary<string, long> Opsets { get; init; }
    public required IReadOnlyList<ValueSummary> Inputs { get; init; }
    public required IReadOnlyList<ValueSummary> Outputs { get; init; }
    public required IReadOnlyList<KeyValuePair<string, int>> OpHistogram { get; init; }
    public required int NodeCount { get; init; }
    public required int ParameterTensors { get; init; }
    public required long ParameterCount { get; init; }
    public required long ParameterBytes { get; init; }
    public required int ConstantTensors { get; init; }
    public required long ConstantBytes { get; init; }
    /// <summary>Values (anywhere in the graph) whose shape still has a dynamic or unknown dimension.</summary>
    public required int DynamicValueCount { get; init; }
    /// <summary>Ops on the gradient path, by count.</summary>
    public required IReadOnlyList<KeyValuePair<string, int>> GradientPathOps { get; init; }
    /// <summary>Nodes on the gradient path that cannot pass a gradient, or that shape inference does not know.</summary>
    public required IReadOnlyList<NodeNote> Problems { get; init; }

    public static ModelSummary Create(Model model, InferenceResult? inference = null)
    {
        var graph = model.Graph;
        var parameters = graph.Initializers.Where(GradientPath.IsParameter).ToList();
        var constants = graph.Initializers.Except(parameters).ToList();
        var path = GradientPath.Find(graph);
        var problems = new List<NodeNote>();
        foreach (var node in path)
        {
            if (GradientPath.NonDifferentiableOps.Contains(node.OpType))
                problems.Add(new NodeNote(node.Name, node.QualifiedOpType, "on the gradient path but has no gradient"));
            else if (Autodiff.GradientRules.Find(node) is null)
                problems.Add(new NodeNote(node.Name, node.QualifiedOpType, "on the gradient path; OrtTune has no gradient rule for it"));
        }
        if (inference is not null)
            foreach (var node in inference.UnsupportedNodes)
                problems.Add(new NodeNote(node.Name, node.QualifiedOpType, "operator unknown to shape inference"));

        return new ModelSummary
        {
            Producer = $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            IrVersion = model.IrVersion,
            Opsets = model.OpsetImports.ToDictionary(p => p.Key.Length == 0 ? "ai.onnx" : p.Key, p => p.Value),
            Inputs = graph.Inputs.Where(v => !v.IsInitializer).Select(Describe).ToList(),
            Outputs = graph.Outputs.Select(Describe).ToList(),
            OpHistogram = Histogram(graph.AllNodes()),
            NodeCount = graph.AllNodes().Count(),
            ParameterTensors = parameters.Count,
            ParameterCount = parameters.Sum(v => v.Initializer!.ElementCount),
            ParameterBytes = parameters.Sum(v => v.Initializer!.ByteLength),
            ConstantTensors = constants.Count,
            ConstantBytes = constants.Sum(v => v.Initializer!.ByteLength),
            DynamicValueCount = graph.AllNodes().SelectMany(n => n.Outputs)
                .Count(v => v is not null && v.Shape is not { IsStatic: true }),
            GradientPathOps = Histogram(path),
            Problems = problems,
        };
    }

    private static ValueSummary Describe(Value v) => new(
        v.Name,
        v.TensorType?.ElemType.OnnxName() ?? v.Type?.ToString() ?? "?",
        v.Shape?.ToString() ?? "?",
        v.Shape is null ? ["rank unknown"] : v.Shape.Select((d, i) => (d, i)).Where(p => !p.d.IsKnown).Select(p => $"{p.i}:{p.d}").ToList());

    private static List<KeyValuePair<string, int>> Histogram(IEnumerable<Node> nodes) =>
        nodes.GroupBy(n => n.QualifiedOpType).Select(g => KeyValuePair.Create(g.Key, g.Count()))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
}

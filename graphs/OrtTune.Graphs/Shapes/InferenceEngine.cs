using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Evaluation;
using OrtTune.Graphs.IR;
using ValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// One inference run: walks graphs in dependency order, applies the shape rule of each node, merges the result with
/// declared types, and propagates known and symbolic values. State is shared with subgraphs, whose nodes may read
/// the enclosing graphs' values.
/// </summary>
internal sealed class InferenceEngine
{
    /// <summary>Opset assumed for the default domain when a graph is inferred without an import for it.</summary>
    private const long AssumedDefaultOpset = 21;

    private readonly IReadOnlyDictionary<string, long> _opsets;
    private readonly Dictionary<Value, Tensor> _known = [];
    private readonly HashSet<Value> _parameters = [];
    private readonly Dictionary<Value, Tensor> _computed = [];
    private readonly Dictionary<Value, SymbolicInt[]> _symbolic = [];
    private readonly List<UnresolvedShape> _unresolved = [];
    private readonly List<Node> _unsupported = [];

    public InferenceEngine(IReadOnlyDictionary<string, long> opsets, ShapeInferenceOptions options)
    {
        _opsets = opsets;
        Options = options;
    }

    public ShapeInferenceOptions Options { get; }

    public InferenceResult Run(Graph graph)
    {
        InferGraph(graph);
        return new InferenceResult(_computed, _unresolved, _unsupported);
    }

    public long OpsetOf(string domain)
    {
        domain = Node.NormalizeDomain(domain);
        if (_opsets.TryGetValue(domain, out long v)) return v;
        if (domain.Length == 0 && _opsets.TryGetValue("ai.onnx", out v)) return v;
        return domain.Length == 0 ? AssumedDefaultOpset : 1;
    }

    /// <summary>
    /// The constant value of <paramref name="value"/>, if known: computed earlier in this run, or an initializer that
    /// is not a trainable parameter (integer/bool, a float tensor of at most MaxFoldElements elements, or folded data) and not
    /// overridable (an initializer that is also a graph input is only a default).
    /// </summary>
    public Tensor? KnownValue(Value value)
    {
        if (_known.TryGetValue(value, out var t)) return t;
        if (value.Initializer is not { } init || _parameters.Contains(value)) return null;
        bool parameter = init.DataType.IsFloatingPoint() && init.ElementCount > Options.MaxFoldElements && !init.IsFolded;
        if (parameter || value.IsGraphInput)
        {
            _parameters.Add(value);
            return null;
        }
        _known[value] = init;
        return init;
    }

    public SymbolicInt[]? SymbolicValue(Value value) => _symbolic.GetValueOrDefault(value);

    public IReadOnlyList<ValueType?> InferSubgraph(Graph body, IReadOnlyList<ValueType?> inputTypes)
    {
        for (int i = 0; i < body.Inputs.Count; i++)
        {
            var input = body.Inputs[i];
            if (input.Type is null && i < inputTypes.Count) input.Type = inputTypes[i];
        }
        InferGraph(body);
        return body.Outputs.Select(o => o.Type).ToList();
    }

    private void InferGraph(Graph graph)
    {
        foreach (var init in graph.Initializers)
            init.Type ??= init.Initializer!.DataType == DataType.String
                ? new TensorType(DataType.String, init.Initializer.Shape)
                : init.Initializer.Type;
        foreach (var node in DependencyOrder.Of(graph)) InferNode(node);
    }

    public void InferSingle(Node node)
    {
        InferNode(node);
        if (_unresolved.Count > 0)
            throw new ShapeException($"Shape inference: {InferenceContext.Describe(node)}: {_unresolved[0]}");
    }

    private void InferNode(Node node)
    {
        var rule = ShapeRules.Find(node.Domain, node.OpType);
        if (rule is null)
        {
            if (!Options.UnknownOpsAsUnknownShapes) throw new UnsupportedOperatorException(node, "shape inference");
            _unsupported.Add(node);
            foreach (var output in node.Outputs)
                if (output is not null)
                    _unresolved.Add(new UnresolvedShape(output, node, $"operator {node.QualifiedOpType} has no shape rule"));
            return;
        }

        var ctx = new InferenceContext(this, node, OpsetOf(node.Domain));
        rule(ctx);
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } output) continue;
            var inferred = ctx.OutputType(i);
            output.Type = Options.KeepDeclaredTypes ? DeclaredTypes.Merge(output, inferred) : inferred;
        }
        PropagateValues(node, ctx);
        for (int i = 0; i < node.Outputs.Count; i++)
            if (node.Outputs[i] is { } output && Incomplete(output.Type) is { } what)
                _unresolved.Add(new UnresolvedShape(output, node, $"{what}: {ctx.UnknownReason ?? DefaultReason(node)}"));
    }

    // ---- values -------------------------------------------------------------------------------------------------

    private void PropagateValues(Node node, InferenceContext ctx)
    {
        bool allSet = true;
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } output) continue;
            if (ctx.OutputValue(i) is { } value) SetKnown(node, output, value);
            else allSet = false;
        }
        if (!allSet && TryEvaluate(node) is { } results)
        {
            for (int i = 0; i < node.Outputs.Count && i < results.Length; i++)
                if (node.Outputs[i] is { } output && results[i] is { } value && !_known.ContainsKey(output))
                    SetKnown(node, output, value);
        }
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is not { } output || _known.ContainsKey(output)) continue;
            if (ctx.OutputShapeValue(i) is not { } symbolic) continue;
            var shape = output.Shape;
            if (shape is null || shape.Rank > 1 || shape.ElementCount is long n && n != symbolic.Length)
                throw ctx.Error($"symbolic value of {symbolic.Length} elements does not fit output shape {shape?.ToString() ?? "?"}.");
            // A shape value with every element known is an ordinary constant (Shape of a static tensor).
            if (symbolic.All(s => s.IsKnown)
                && TensorNumbers.FromIntegers(output.ElemType, shape.Rank == 0 ? [] : [symbolic.Length],
                    symbolic.Select(s => s.Value!.Value).ToArray()) is { } tensor)
                SetKnown(node, output, tensor);
            else
                _symbolic[output] = symbolic;
        }
    }

    /// <summary>Runs the node's constant kernel when every input is known and the outputs are small.</summary>
    private Tensor?[]? TryEvaluate(Node node)
    {
        if (!ConstantKernels.Supports(node)) return null;
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i] is not { } v) continue;
            if (KnownValue(v) is not { } t || t.ElementCount > Options.MaxPropagatedElements) return null;
            inputs[i] = t;
        }
        foreach (var output in node.Outputs)
            if (output?.Shape?.ElementCount is long n && n > Options.MaxPropagatedElements) return null;
        Tensor?[] results;
        try
        {
            results = ConstantKernels.Evaluate(node, inputs);
        }
        catch (OrtTuneException)
        {
            // A kernel without support for these element types only means the value stays unknown; shapes came
            // from the rule and were checked there.
            return null;
        }
        return results.Any(r => r is not null && r.ElementCount > Options.MaxPropagatedElements) ? null : results;
    }

    private void SetKnown(Node node, Value output, Tensor value)
    {
        // The computed value is the ground truth for this run; it must agree with what the rule said.
        var inferred = output.TensorType;
        if (inferred is not null && inferred.ElemType != DataType.Undefined && inferred.ElemType != value.DataType)
            throw new ShapeException($"Shape inference: {InferenceContext.Describe(node)}: output '{output.Name}' computes to " +
                                     $"{value.DataType.OnnxName()} but its type is {inferred}.");
        var shape = DeclaredTypes.MergeShapes(inferred?.Shape, value.Shape, output, "computed");
        output.Type = new TensorType(value.DataType, shape);
        _known[output] = value;
        _computed[output] = value;
        _symbolic.Remove(output);
    }

    // ---- reporting ----------------------------------------------------------------------------------------------

    private static string? Incomplete(ValueType? type) => type switch
    {
        null => "type unknown",
        TensorType { Shape: null } => "rank unknown",
        TensorType { Shape: { } s } when s.Any(d => !d.IsKnown && !d.IsSymbolic) =>
            $"dimension {string.Join(", ", Enumerable.Range(0, s.Rank).Where(i => !s[i].IsKnown && !s[i].IsSymbolic))} unknown",
        _ => null,
    };

    private static string DefaultReason(Node node)
    {
        foreach (var input in node.Inputs)
            if (input is not null && Incomplete(input.Type) is not null)
                return $"input '{input.Name}' has type {input.Type?.ToString() ?? "?"}";
        return "the shape depends on input values that are not known during inference";
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over the IR: appends to the graph the nodes that compute the gradient of
/// a scalar loss with respect to chosen values, in standard ONNX ops, one <see cref="GradientRule"/> per operator.
/// The graph must have static shapes (run specialisation first).
/// </summary>
public static class ReverseMode
{
    /// <summary>Nodes on the gradient path whose operator has no rule (empty when the model can be differentiated).</summary>
    public static IReadOnlyList<Node> NodesWithoutRule(Graph graph, Value loss, IEnumerable<Value> wrt, AutodiffOptions? options = null)
    {
        var path = GradientFlow.Analyse(graph, loss, wrt, options ?? new AutodiffOptions());
        return path.Nodes.Where(n => GradientRules.Find(n) is null).ToList();
    }

    /// <summary>
    /// Adds the backward pass of <paramref name="loss"/> to <paramref name="model"/>'s graph and returns, for each
    /// value of <paramref name="wrt"/>, the value holding d loss / d it (zeros where no gradient reaches it).
    /// Throws <see cref="MissingGradientRulesException"/> listing every rule-less op before building anything.
    /// </summary>
    public static IReadOnlyDictionary<Value, Value> Differentiate(Model model, Value loss, IReadOnlyList<Value> wrt, AutodiffOptions? options = null)
    {
        options ??= new AutodiffOptions();
        var graph = model.Graph;
        if (loss.Shape is not { } ls || ls.ElementCount != 1)
            throw new ArgumentException($"The loss '{loss.Name}' must be a single number, got {loss.Type?.ToString() ?? "an untyped value"}.");
        graph.TopologicalSort();
        var flow = GradientFlow.Analyse(graph, loss, wrt, options);
        var missing = flow.Nodes.Where(n => GradientRules.Find(n) is null).ToList();
        if (missing.Count > 0) throw new MissingGradientRulesException(missing);

        var ops = new OpBuilder(graph, model.OpsetImports, options.NamePrefix);
        var contributions = new Dictionary<Value, List<Value>>();
        void Contribute(Value v, Value g)
        {
            if (!contributions.TryGetValue(v, out var list)) contributions[v] = list = [];
            list.Add(g);
        }
        Value? Total(Value v)
        {
            if (!contributions.TryGetValue(v, out var list)) return null;
            if (list.Count > 1)
            {
                var sum = ops.Sum(list);
                list.Clear();
                list.Add(sum);
            }
            return list[0];
        }

        // Multi-node patterns differentiated as one function (GELU); their inner nodes get no gradient of their own.
        var composites = CompositeGradients.Find(flow.Nodes, options);
        var interior = composites.Values.SelectMany(m => m.Interior).ToHashSet();

        Contribute(loss, ops.OnesLike(loss));
        // Nodes appended by the rules land after the forward nodes; walk the forward nodes only, last to first.
        foreach (var node in flow.Nodes.Reverse())
        {
            if (interior.Contains(node)) continue;
            var outputGrads = node.Outputs.Select(o => o is null ? null : Total(o)).ToArray();
            if (outputGrads.All(g => g is null)) continue;
            if (composites.TryGetValue(node, out var composite))
            {
                if (flow.NeedsGradient(composite.Input)) Contribute(composite.Input, composite.InputGrad(ops, outputGrads[0]!));
                continue;
            }
            var ctx = new GradientContext(node, ops,
                i => i < outputGrads.Length ? outputGrads[i] : null,
                i => node.InputOrNull(i) is { } v && flow.NeedsGradient(v),
                (i, g) => Contribute(node.Inputs[i]!, g));
            GradientRules.Find(node)!(ctx);
        }

        var result = new Dictionary<Value, Value>();
        foreach (var v in wrt) result[v] = Total(v) ?? ops.ZerosLike(v);
        ops.RemoveUnread(result.Values.ToHashSet());
        return result;
    }
}

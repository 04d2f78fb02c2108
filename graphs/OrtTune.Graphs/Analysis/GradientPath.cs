using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Analysis;

/// <summary>
/// The nodes a gradient would flow through: those whose floating-point outputs depend on a parameter and lead to a
/// graph output. Integer and bool values (ids, masks, shapes) stop the flow, as they do in autodiff.
/// </summary>
public static class GradientPath
{

    /// <summary>Operators whose float output is piecewise constant: a gradient path through them carries no signal.</summary>
    public static readonly IReadOnlySet<string> NonDifferentiableOps = new HashSet<string>(StringComparer.Ordinal)
    {
        "Floor", "Ceil", "Round", "Sign", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "Multinomial",
    };

    /// <summary>
    /// A float initializer with more than one element is a parameter candidate; scalars (epsilons, scales) and data
    /// OrtTune folded from other constants are not.
    /// Which candidates are trained is decided later by the trainable-selection options.
    /// </summary>
    public static bool IsParameter(Value v) =>
        v.Initializer is { } t && t.DataType.IsFloatingPoint() && t.ElementCount > 1 && !t.IsFolded;

    public static IReadOnlySet<Node> Find(Graph graph)
    {
        var fromParams = new HashSet<Value>(graph.Initializers.Where(IsParameter));
        foreach (var node in graph.Nodes)
        {
            if (!node.Inputs.Any(v => v is not null && fromParams.Contains(v))) continue;
            foreach (var o in node.Outputs)
                if (o is not null && (o.ElemType.IsFloatingPoint() || o.ElemType == DataType.Undefined)) fromParams.Add(o);
        }
        var toOutputs = new HashSet<Value>(graph.Outputs);
        var path = new HashSet<Node>();
        for (var node = graph.LastNode; node is not null; node = node.Prev)
        {
            if (!node.Outputs.Any(o => o is not null && toOutputs.Contains(o) && fromParams.Contains(o))) continue;
            path.Add(node);
            foreach (var v in node.Inputs)
                if (v is not null && fromParams.Contains(v)) toOutputs.Add(v);
        }
        return path;
    }
}

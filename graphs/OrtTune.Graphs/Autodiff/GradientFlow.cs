using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>
/// Which nodes a gradient passes through: those with a float output that depends on a value differentiated with
/// respect to (not through a stop-gradient) and that leads to the loss. Integer and bool values never carry one.
/// </summary>
internal sealed class GradientFlow
{
    private readonly HashSet<Value> _needed;

    private GradientFlow(List<Node> nodes, HashSet<Value> needed)
    {
        Nodes = nodes;
        _needed = needed;
    }

    /// <summary>Nodes on the path, in graph (topological) order.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>True when <paramref name="v"/> depends on a differentiated value and the loss depends on it.</summary>
    public bool NeedsGradient(Value v) => _needed.Contains(v);

    public static GradientFlow Analyse(Graph graph, Value loss, IEnumerable<Value> wrt, AutodiffOptions options)
    {
        bool Carries(Value v) => v.ElemType.IsFloatingPoint() && !options.StopGradient.Contains(v);
        var forward = new HashSet<Value>(wrt.Where(Carries));
        var order = graph.Nodes.ToList();
        foreach (var node in order)
        {
            if (!node.Inputs.Any(v => v is not null && forward.Contains(v))) continue;
            foreach (var o in node.Outputs)
                if (o is not null && Carries(o)) forward.Add(o);
        }
        var needed = new HashSet<Value>();
        if (forward.Contains(loss)) needed.Add(loss);
        var onPath = new List<Node>();
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var node = order[i];
            if (!node.Outputs.Any(o => o is not null && needed.Contains(o))) continue;
            onPath.Add(node);
            foreach (var v in node.Inputs)
                if (v is not null && forward.Contains(v)) needed.Add(v);
        }
        onPath.Reverse();
        return new GradientFlow(onPath, needed);
    }
}

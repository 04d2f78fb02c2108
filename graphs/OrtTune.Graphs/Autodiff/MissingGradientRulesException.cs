using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>Raised before any backward node is built: lists every node on the gradient path whose op has no rule.</summary>
public sealed class MissingGradientRulesException(IReadOnlyList<Node> nodes) : OrtTuneException(
    $"Cannot differentiate the model: {nodes.Count} node(s) on the gradient path have no gradient rule: " +
    string.Join("; ", nodes.GroupBy(n => n.QualifiedOpType).Select(g =>
        $"{g.Key} ({string.Join(", ", g.Take(5).Select(n => $"'{n.Name}'"))}{(g.Count() > 5 ? $" and {g.Count() - 5} more" : "")})")) +
    ". Freeze the parameters behind them, or mark them no-grad.")
{
    public IReadOnlyList<Node> Nodes { get; } = nodes;
}

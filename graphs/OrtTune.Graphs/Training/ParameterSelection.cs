using System.Text.RegularExpressions;
using OrtTune.Graphs.Analysis;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Training;

/// <summary>
/// Which parameters train. Patterns are globs over initializer names ('*' any run of characters, '?' one), e.g.
/// "*.bias" or "layers.0.*"; a name matches a list when any pattern matches it.
/// </summary>
public sealed record ParameterSelection
{
    /// <summary>Parameters that train; default every parameter ("*").</summary>
    public IReadOnlyList<string> Train { get; init; } = ["*"];

    /// <summary>Parameters kept frozen even when <see cref="Train"/> matches them. Default none.</summary>
    public IReadOnlyList<string> Freeze { get; init; } = [];

    /// <summary>Splits the graph's parameter candidates into trainable and frozen, in initializer order.</summary>
    public (List<Value> trainable, List<Value> frozen) Split(Graph graph)
    {
        var train = Compile(Train);
        var freeze = Compile(Freeze);
        var candidates = graph.Initializers.Where(GradientPath.IsParameter).ToList();
        var trainable = candidates.Where(v => train.IsMatch(v.Name) && !freeze.IsMatch(v.Name)).ToList();
        var frozen = candidates.Except(trainable).ToList();
        if (trainable.Count == 0)
            throw new OrtTuneException(
                $"No parameter is left to train: train patterns [{string.Join(", ", Train)}], freeze patterns [{string.Join(", ", Freeze)}] " +
                $"over {candidates.Count} parameters (e.g. {string.Join(", ", candidates.Take(4).Select(v => v.Name))}).");
        return (trainable, frozen);
    }

    /// <summary>One regex for a list of globs (never matches when the list is empty).</summary>
    public static Regex Compile(IEnumerable<string> globs)
    {
        var parts = globs.Select(g => Regex.Escape(g).Replace(@"\*", ".*").Replace(@"\?", ".")).ToList();
        return new Regex(parts.Count == 0 ? "(?!)" : "^(?:" + string.Join("|", parts) + ")$", RegexOptions.CultureInvariant);
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>Knobs of <see cref="ReverseMode"/>.</summary>
public sealed record AutodiffOptions
{
    /// <summary>
    /// Values no gradient flows through (stop-gradient), e.g. TokenTune's no-grad token branch. Default: none.
    /// Frozen parameters need no entry: only the values differentiated with respect to start gradient flow.
    /// </summary>
    public IReadOnlySet<Value> StopGradient { get; init; } = new HashSet<Value>();

    /// <summary>Prefix of the names of backward nodes and values. Default "grad/".</summary>
    public string NamePrefix { get; init; } = "grad/";
}

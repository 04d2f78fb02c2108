namespace OrtTune.Graphs.Passes;

/// <summary>Which frozen weights <see cref="FrozenWeightQuantization"/> holds in int8.</summary>
public sealed record FrozenWeightQuantizationOptions
{
    /// <summary>
    /// Matrices with fewer values stay float: norm gains, biases and small tables cost little and are the most
    /// sensitive to rounding. Default 4096.
    /// </summary>
    public long MinElements { get; init; } = 4096;
}

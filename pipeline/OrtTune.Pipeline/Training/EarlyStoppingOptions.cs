namespace OrtTune.Pipeline.Training;

/// <summary>When to stop because the eval metric (<see cref="TrainerOptions.BestMetric"/>) stopped improving.</summary>
public sealed record EarlyStoppingOptions
{
    /// <summary>Evaluations in a row without improvement that end the run. Default 3.</summary>
    public int Patience { get; init; } = 3;

    /// <summary>An improvement smaller than this does not count. Default 0.</summary>
    public double MinDelta { get; init; }
}

using OrtTune.Pipeline.Evaluation;

namespace OrtTune.Pipeline.Training;

/// <summary>What the <see cref="Trainer"/> tells its progress observer; one of the records below.</summary>
public abstract record TrainerReport(long Step);

/// <summary>One optimizer step done.</summary>
/// <param name="TotalSteps">Steps the run will take when known in advance.</param>
/// <param name="Loss">Mean training loss of the step's micro-batches.</param>
/// <param name="GradNorm">Global gradient norm before clipping, when the optimizer reports it.</param>
/// <param name="TokensPerSecond">Real tokens trained on per second during this step.</param>
/// <param name="RssBytes">Resident memory after the step (0 where the OS does not tell).</param>
/// <param name="PeakRssBytes">Peak resident memory of the process so far (0 where the OS does not tell).</param>
public sealed record StepReport(long Step, long? TotalSteps, long Epoch, float Loss, float LearningRate, float? GradNorm,
    double TokensPerSecond, long RssBytes, long PeakRssBytes, TimeSpan Elapsed) : TrainerReport(Step);

/// <summary>An evaluation finished; <paramref name="IsBest"/> when it improved the best metric.</summary>
public sealed record EvalReport(long Step, EvalMetrics Metrics, bool IsBest) : TrainerReport(Step);

/// <summary>A checkpoint was written.</summary>
public sealed record CheckpointReport(long Step, string Path, bool IsBest) : TrainerReport(Step);

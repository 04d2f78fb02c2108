using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Pipeline.Training;

/// <summary>Settings of <see cref="TrainingLoop"/>; defaults suit a short fine-tuning run.</summary>
public sealed record TrainingLoopOptions
{
    /// <summary>Optimizer steps to take. Default 100.</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Constant learning rate. Default 5e-5.</summary>
    public float LearningRate { get; init; } = 5e-5f;

    /// <summary>Micro-batches whose gradients are averaged per optimizer step. Default 1.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Where checkpoints go (written atomically). Default: none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Save a checkpoint every this many steps (and at the end). Default 0: only at the end.</summary>
    public int SaveEvery { get; init; }
}

/// <summary>What happened in one optimizer step.</summary>
public sealed record StepReport(long Step, int TotalSteps, float Loss, float? GradNorm, TimeSpan Elapsed);

/// <summary>How a run ended.</summary>
public sealed record TrainingResult(long Steps, float FirstLoss, float LastLoss, bool Cancelled, string? CheckpointPath);

/// <summary>Raised when the loss becomes NaN or infinite; the last good checkpoint is kept as it was.</summary>
public sealed class DivergedException(long step, float loss, string? checkpoint) : Exception(
    $"The loss became {loss} at step {step}; training stopped. " +
    (checkpoint is null ? "No checkpoint was written." : $"The last good checkpoint is {checkpoint}.") +
    " Lower the learning rate or enable gradient clipping.");

/// <summary>
/// The minimal training loop: cycles through the batches, accumulates gradients, steps the optimizer, checks the
/// loss, reports progress and saves checkpoints. Cancellation stops after the current step and saves.
/// </summary>
public static class TrainingLoop
{
    public static TrainingResult Run(PortableTrainingSession session, IReadOnlyList<IReadOnlyList<NamedTensor>> batches,
        TrainingLoopOptions options, IProgress<StepReport>? progress = null, CancellationToken cancellation = default)
    {
        if (batches.Count == 0) throw new ArgumentException("No batches to train on.");
        if (options.GradientAccumulation < 1) throw new ArgumentException("Gradient accumulation must be at least 1.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        float? first = null;
        float last = float.NaN;
        string? saved = null;
        int next = 0;
        long target = session.Step + options.Steps;
        bool cancelled = false;
        while (session.Step < target)
        {
            if (cancellation.IsCancellationRequested) { cancelled = true; break; }
            float sum = 0;
            for (int k = 0; k < options.GradientAccumulation; k++)
            {
                float loss = session.TrainStep(batches[next]);
                next = (next + 1) % batches.Count;
                if (!float.IsFinite(loss)) throw new DivergedException(session.Step + 1, loss, saved);
                sum += loss;
            }
            session.OptimizerStep(options.LearningRate);
            last = sum / options.GradientAccumulation;
            first ??= last;
            progress?.Report(new StepReport(session.Step, options.Steps, last, session.LastGradNorm, clock.Elapsed));
            if (options.CheckpointPath is not null && options.SaveEvery > 0 && session.Step % options.SaveEvery == 0)
                saved = Save(session, options.CheckpointPath);
        }
        if (options.CheckpointPath is not null) saved = Save(session, options.CheckpointPath);
        return new TrainingResult(session.Step, first ?? float.NaN, last, cancelled, saved);
    }

    private static string Save(PortableTrainingSession session, string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        SessionCheckpoints.Save(session, path);
        return path;
    }
}

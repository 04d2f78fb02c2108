using OrtTune.Pipeline.Training.Schedules;

namespace OrtTune.Pipeline.Training;

/// <summary>Settings of <see cref="Trainer"/>. Set <see cref="Epochs"/>, <see cref="MaxSteps"/> or both (the first reached ends the run).</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training source. Default null: no epoch limit (then <see cref="MaxSteps"/> is needed).</summary>
    public int? Epochs { get; init; }

    /// <summary>Optimizer steps to reach (counted from 0, so a resumed run stops at the same step). Default null: no step limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Peak learning rate (after warm-up). Default 5e-5.</summary>
    public float LearningRate { get; init; } = 5e-5f;

    /// <summary>Shape of the learning rate over the run. Default <see cref="ScheduleKind.Constant"/>.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

    /// <summary>Optimizer steps of linear warm-up before the schedule. Default 0.</summary>
    public long WarmupSteps { get; init; }

    /// <summary>Micro-batches whose gradients are averaged per optimizer step (an epoch's tail is averaged over what is left). Default 1.</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Evaluate every this many optimizer steps (and at the end) when an eval source is given. Default 0: only at the end.</summary>
    public int EvalEvery { get; init; }

    /// <summary>Evaluate at most this many eval batches each time. Default null: the whole eval source.</summary>
    public int? EvalBatches { get; init; }

    /// <summary>Eval metric that picks the best checkpoint and drives early stopping: loss, accuracy, f1 or perplexity. Default "loss".</summary>
    public string BestMetric { get; init; } = "loss";

    /// <summary>Stop when <see cref="BestMetric"/> has not improved for a while. Default null: never stop early.</summary>
    public EarlyStoppingOptions? EarlyStopping { get; init; }

    /// <summary>Folder of the checkpoints (see <see cref="CheckpointStore"/>). Default null: no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Also save every this many optimizer steps. Default 0: save at each evaluation, on cancellation and at the end.</summary>
    public int SaveEvery { get; init; }

    /// <summary>Step checkpoints kept besides the best one. Default 3.</summary>
    public int KeepLast { get; init; } = 3;

    /// <summary>Seed of the training source's order, recorded in checkpoints so a resume with another order is refused. Default 0.</summary>
    public long DataSeed { get; init; }

    internal void Validate()
    {
        if (Epochs is null && MaxSteps is null) throw new ArgumentException("Give the run a length: epochs, steps or both.");
        if (Epochs is < 1) throw new ArgumentException($"Epochs must be at least 1, got {Epochs}.");
        if (MaxSteps is < 1) throw new ArgumentException($"Steps must be at least 1, got {MaxSteps}.");
        if (GradientAccumulation < 1) throw new ArgumentException($"Gradient accumulation must be at least 1, got {GradientAccumulation}.");
        if (EvalEvery < 0 || SaveEvery < 0) throw new ArgumentException($"Evaluation and save intervals cannot be negative, got {EvalEvery} and {SaveEvery}.");
        if (KeepLast < 1) throw new ArgumentException($"Keep at least 1 checkpoint, got {KeepLast}.");
        Evaluation.EvalMetrics.HigherIsBetter(BestMetric);
        if (EarlyStopping is { Patience: < 1 }) throw new ArgumentException("Early stopping needs a patience of at least 1 evaluation.");
        if (EarlyStopping is { MinDelta: var delta } && !(delta >= 0)) throw new ArgumentException($"The minimum improvement cannot be negative, got {delta}.");
    }
}

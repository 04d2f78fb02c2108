using OrtTune.Pipeline.Evaluation;

namespace OrtTune.Pipeline.Training;

/// <summary>Why a run ended.</summary>
public enum StopReason
{
    /// <summary>The epochs or steps asked for are done.</summary>
    Completed,
    /// <summary>Cancelled (Ctrl-C); the state at the last finished step was saved.</summary>
    Cancelled,
    /// <summary>The eval metric stopped improving for the patience given.</summary>
    EarlyStopped,
}

/// <summary>How a run ended.</summary>
/// <param name="FirstLoss">Training loss of the first step of this run (NaN when no step ran).</param>
/// <param name="LastLoss">Training loss of the last step (NaN when no step ran).</param>
/// <param name="LastCheckpoint">The checkpoint saved at the end, when saving.</param>
/// <param name="BestCheckpoint">The checkpoint with the best eval metric, when evaluating and saving.</param>
/// <param name="LastEval">The last evaluation, when an eval source was given.</param>
public sealed record TrainingResult(long Steps, float FirstLoss, float LastLoss, StopReason Reason, string? LastCheckpoint,
    string? BestCheckpoint, EvalMetrics? LastEval, TrainerState State)
{
    public bool Cancelled => Reason == StopReason.Cancelled;
}

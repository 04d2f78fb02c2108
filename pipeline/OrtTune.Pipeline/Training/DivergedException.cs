namespace OrtTune.Pipeline.Training;

/// <summary>
/// Raised when the loss or the gradient norm becomes NaN or infinite. The trainer writes nothing after that, so the
/// last good checkpoint (named in the message) is kept as it was.
/// </summary>
public sealed class DivergedException(long step, string quantity, float value, string? lastGoodCheckpoint) : Exception(
    $"The {quantity} became {value} at step {step}; training stopped. " +
    (lastGoodCheckpoint is null ? "No checkpoint was written." : $"The last good checkpoint is {lastGoodCheckpoint}.") +
    " Lower the learning rate or prepare the artifacts with gradient clipping (--max-grad-norm).")
{
    /// <summary>The optimizer step that diverged (1-based).</summary>
    public long Step { get; } = step;

    /// <summary>The last checkpoint written before the divergence, or null.</summary>
    public string? LastGoodCheckpoint { get; } = lastGoodCheckpoint;
}

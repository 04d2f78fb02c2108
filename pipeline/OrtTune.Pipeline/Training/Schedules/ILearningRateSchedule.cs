namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>
/// The learning rate as a pure function of the optimizer step, so a resumed run gets the same rates as an
/// uninterrupted one from the step count alone.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>The rate for the optimizer step with 0-based index <paramref name="step"/> (the first update is step 0).</summary>
    float At(long step);
}

namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>Warm-up to <paramref name="peak"/>, then constant.</summary>
public sealed class ConstantSchedule : ILearningRateSchedule
{
    private readonly float _peak;
    private readonly long _warmup;

    public ConstantSchedule(float peak, long warmupSteps = 0)
    {
        Warmup.Validate(peak, warmupSteps);
        (_peak, _warmup) = (peak, warmupSteps);
    }

    public float At(long step) => Warmup.Applies(step, _warmup) ? Warmup.Rate(_peak, step, _warmup) : _peak;
}

namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>Warm-up to <paramref name="peak"/>, then half a cosine down to 0 at <c>totalSteps</c> updates.</summary>
public sealed class CosineSchedule : ILearningRateSchedule
{
    private readonly float _peak;
    private readonly long _warmup, _total;

    public CosineSchedule(float peak, long totalSteps, long warmupSteps = 0)
    {
        Warmup.Validate(peak, warmupSteps);
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"A decaying schedule needs more steps than its {warmupSteps} warm-up steps.");
        (_peak, _total, _warmup) = (peak, totalSteps, warmupSteps);
    }

    public float At(long step)
    {
        if (Warmup.Applies(step, _warmup)) return Warmup.Rate(_peak, step, _warmup);
        double progress = Math.Min(1.0, (double)(step - _warmup) / (_total - _warmup));
        return (float)(_peak * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}

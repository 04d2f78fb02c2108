namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>Warm-up to <paramref name="peak"/>, then a straight line down to 0 after <c>totalSteps</c> updates.</summary>
public sealed class LinearSchedule : ILearningRateSchedule
{
    private readonly float _peak;
    private readonly long _warmup, _total;

    public LinearSchedule(float peak, long totalSteps, long warmupSteps = 0)
    {
        Warmup.Validate(peak, warmupSteps);
        if (totalSteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"A decaying schedule needs more steps than its {warmupSteps} warm-up steps.");
        (_peak, _total, _warmup) = (peak, totalSteps, warmupSteps);
    }

    public float At(long step)
    {
        if (Warmup.Applies(step, _warmup)) return Warmup.Rate(_peak, step, _warmup);
        // Step W runs at the peak and step T-1 at peak/(T-W): every scheduled update moves the parameters.
        return _peak * Math.Max(0, _total - step) / (_total - _warmup);
    }
}

namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>Linear warm-up shared by every schedule: step s &lt; W runs at peak·(s+1)/W, so the first update is never 0.</summary>
internal static class Warmup
{
    public static bool Applies(long step, long warmupSteps) => step < warmupSteps;

    public static float Rate(float peak, long step, long warmupSteps) => peak * (step + 1) / warmupSteps;

    public static void Validate(float peak, long warmupSteps)
    {
        if (!float.IsFinite(peak) || peak <= 0) throw new ArgumentOutOfRangeException(nameof(peak), peak, "The learning rate must be a positive finite number.");
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
    }
}

namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>Builds a schedule from its kind and parses the names the command line uses.</summary>
public static class LearningRateSchedules
{
    public static ILearningRateSchedule Create(ScheduleKind kind, float peak, long totalSteps, long warmupSteps) => kind switch
    {
        ScheduleKind.Constant => new ConstantSchedule(peak, warmupSteps),
        ScheduleKind.Linear => new LinearSchedule(peak, totalSteps, warmupSteps),
        ScheduleKind.Cosine => new CosineSchedule(peak, totalSteps, warmupSteps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>"constant", "linear" or "cosine" (case-insensitive).</summary>
    public static ScheduleKind Parse(string name) => name.ToLowerInvariant() switch
    {
        "constant" => ScheduleKind.Constant,
        "linear" => ScheduleKind.Linear,
        "cosine" => ScheduleKind.Cosine,
        _ => throw new ArgumentException($"The learning-rate schedule must be constant, linear or cosine, got '{name}'."),
    };
}

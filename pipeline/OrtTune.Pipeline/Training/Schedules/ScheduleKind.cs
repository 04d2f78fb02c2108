namespace OrtTune.Pipeline.Training.Schedules;

/// <summary>The learning-rate schedules the trainer offers; each warms up linearly first.</summary>
public enum ScheduleKind
{
    /// <summary>The peak rate after warm-up (<see cref="ConstantSchedule"/>).</summary>
    Constant,
    /// <summary>Linear decay to 0 at the last step (<see cref="LinearSchedule"/>).</summary>
    Linear,
    /// <summary>Cosine decay to 0 at the last step (<see cref="CosineSchedule"/>).</summary>
    Cosine,
}

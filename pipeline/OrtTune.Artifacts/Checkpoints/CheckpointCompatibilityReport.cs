namespace OrtTune.Artifacts.Checkpoints;

/// <summary>Whether a runtime loads a checkpoint of a given version.</summary>
public enum CheckpointAcceptance
{
    /// <summary>The runtime is known to load this version.</summary>
    Accepted,

    /// <summary>The runtime is known to refuse this version ("Checkpoint version N is not supported").</summary>
    Rejected,

    /// <summary>No verified record for this runtime version.</summary>
    Unknown,
}

/// <summary>The answer of <see cref="CheckpointCompatibility.Check(int, Version)"/>, with a message a user can act on.</summary>
public sealed record CheckpointCompatibilityReport(
    int CheckpointVersion,
    Version RuntimeVersion,
    int? RequiredVersion,
    CheckpointAcceptance Acceptance,
    string Message);

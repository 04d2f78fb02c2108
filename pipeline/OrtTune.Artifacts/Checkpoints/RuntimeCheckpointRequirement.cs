namespace OrtTune.Artifacts.Checkpoints;

/// <summary>A verified fact: ONNX Runtime training <c>Major.Minor.*</c> loads checkpoint version <c>CheckpointVersion</c> and no other.</summary>
public sealed record RuntimeCheckpointRequirement(int Major, int Minor, int CheckpointVersion, string Evidence);

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>How <see cref="CheckpointWriter"/> writes a checkpoint.</summary>
public sealed record CheckpointWriteOptions
{
    public static CheckpointWriteOptions Default { get; } = new();

    /// <summary>
    /// The format version to write: 2 (default; what ONNX Runtime training 1.19 needs) or 1 (older runtimes; cannot
    /// express a nominal state).
    /// </summary>
    public int Version { get; init; } = CheckpointFormat.CurrentVersion;

    /// <summary>
    /// Sort tensors, optimizer groups, parameter states and properties by name (UTF-8 byte order), as ONNX Runtime's
    /// own checkpoint saving does. False keeps list order, as ONNX Runtime's offline artifact generator does; with the
    /// original version that reproduces a generator-written file byte for byte.
    /// </summary>
    public bool SortByName { get; init; } = true;
}

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// A checkpoint file that cannot be read: too short, not a checkpoint, an unsupported version, or a structure that is
/// truncated or corrupt. The message says what is wrong and where.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string message, long? offset = null, int? version = null, string? filePath = null,
        Exception? innerException = null)
        : base(Compose(message, filePath), innerException)
    {
        Detail = message;
        Offset = offset;
        Version = version;
        FilePath = filePath;
    }

    /// <summary>The problem, without the file name.</summary>
    public string Detail { get; }

    /// <summary>The byte position the problem was found at, where one applies.</summary>
    public long? Offset { get; }

    /// <summary>The checkpoint version, once it was read.</summary>
    public int? Version { get; }

    /// <summary>The file read, when reading from a file.</summary>
    public string? FilePath { get; }

    internal CheckpointFormatException WithFile(string filePath) => new(Detail, Offset, Version, filePath, this);

    private static string Compose(string message, string? filePath) =>
        filePath is null ? $"Invalid ONNX Runtime training checkpoint: {message}" : $"Invalid ONNX Runtime training checkpoint '{filePath}': {message}";
}

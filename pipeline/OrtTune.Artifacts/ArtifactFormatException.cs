namespace OrtTune.Artifacts;

/// <summary>An artifacts directory or file that cannot be used: missing, foreign, corrupt or from another model.</summary>
public class ArtifactFormatException : Exception
{
    public ArtifactFormatException(string message) : base(message) { }
    public ArtifactFormatException(string message, Exception inner) : base(message, inner) { }
}

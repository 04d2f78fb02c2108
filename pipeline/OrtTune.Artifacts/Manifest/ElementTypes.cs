using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Manifest;

/// <summary>Element type names as the manifest writes them ("float", "int64"): the lower-cased ONNX type names.</summary>
public static class ElementTypes
{
    public static TensorElementType FromName(string name) =>
        Enum.TryParse<TensorElementType>(name, ignoreCase: true, out var t) && t.IsKnown()
            ? t
            : throw new ArtifactFormatException($"Unknown element type '{name}' in the manifest.");

    public static string ToName(TensorElementType type) => type.ToString().ToLowerInvariant();
}

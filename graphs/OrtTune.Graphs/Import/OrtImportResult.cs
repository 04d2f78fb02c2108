using OrtTune.Artifacts.Manifest;

namespace OrtTune.Graphs.Import;

/// <summary>What <see cref="OrtArtifactImporter"/> wrote and what it took from the source set.</summary>
public sealed record OrtImportResult
{
    /// <summary>The manifest of the portable artifacts directory written.</summary>
    public required ArtifactManifest Manifest { get; init; }

    /// <summary>Format version of the source checkpoint (1 and 2 are read).</summary>
    public required int SourceCheckpointVersion { get; init; }

    /// <summary>Where the optimizer settings came from: "options", "optimizer_model.onnx" or "onnxblock defaults".</summary>
    public required string OptimizerSource { get; init; }

    /// <summary>The optimizer step carried over from the checkpoint's optimizer state, or null when it had none.</summary>
    public long? CarriedOptimizerStep { get; init; }

    /// <summary>Dropout nodes switched to training mode in the training graph.</summary>
    public int TrainingDropoutNodes { get; init; }
}

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Which ONNX Runtime training versions load which checkpoint versions.
/// </summary>
/// <remarks>
/// ONNX Runtime's loader compares the file's version with the one it was built with for strict equality
/// (<c>IsCheckpointVersionSupported(v) = v == kCheckpointVersion</c>), so each release loads exactly one checkpoint
/// version: an older file is refused as firmly as a newer one. Only verified releases are listed.
/// </remarks>
public static class CheckpointCompatibility
{
    /// <summary>Releases whose accepted checkpoint version was verified by running them.</summary>
    public static IReadOnlyList<RuntimeCheckpointRequirement> KnownRuntimes { get; } =
    [
        new(1, 19, 2,
            "onnxruntime-web 1.19.2 (training build) refuses version 1 (\"Checkpoint version 1 is not supported\") and loads and trains "
            + "with version 2 (shared/research/ort-artifacts.md §2)."),
    ];

    /// <summary>The checkpoint version ONNX Runtime training <paramref name="runtimeVersion"/> needs, or null when unknown.</summary>
    public static int? RequiredVersion(Version runtimeVersion)
    {
        ArgumentNullException.ThrowIfNull(runtimeVersion);
        return KnownRuntimes.FirstOrDefault(r => r.Major == runtimeVersion.Major && r.Minor == runtimeVersion.Minor)?.CheckpointVersion;
    }

    /// <summary>Whether ONNX Runtime training <paramref name="runtimeVersion"/> (e.g. "1.19.2") loads the checkpoint.</summary>
    public static CheckpointCompatibilityReport Check(TrainingCheckpoint checkpoint, string runtimeVersion)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Check(checkpoint.Version, ParseRuntimeVersion(runtimeVersion));
    }

    /// <inheritdoc cref="Check(int, Version)"/>
    public static CheckpointCompatibilityReport Check(int checkpointVersion, string runtimeVersion) =>
        Check(checkpointVersion, ParseRuntimeVersion(runtimeVersion));

    /// <summary>Whether ONNX Runtime training <paramref name="runtimeVersion"/> loads a checkpoint of version <paramref name="checkpointVersion"/>.</summary>
    public static CheckpointCompatibilityReport Check(int checkpointVersion, Version runtimeVersion)
    {
        ArgumentNullException.ThrowIfNull(runtimeVersion);
        var runtime = $"ONNX Runtime training {runtimeVersion.Major}.{runtimeVersion.Minor}";
        var required = RequiredVersion(runtimeVersion);
        if (required is null)
        {
            var known = string.Join(", ", KnownRuntimes.Select(r => $"{r.Major}.{r.Minor} needs version {r.CheckpointVersion}"));
            return new(checkpointVersion, runtimeVersion, null, CheckpointAcceptance.Unknown,
                $"this checkpoint is version {checkpointVersion}; OrtTune has no verified record of the checkpoint version {runtime} accepts "
                + $"(each release accepts exactly one; known: {known}); load it with that runtime once before relying on it.");
        }
        if (required == checkpointVersion)
            return new(checkpointVersion, runtimeVersion, required, CheckpointAcceptance.Accepted,
                $"this checkpoint is version {checkpointVersion}, which {runtime} accepts.");
        var fix = CheckpointFormat.SupportedVersions.Contains(required.Value)
            ? $"re-save it with OrtTune (CheckpointWriter, Version = {required}{(required == CheckpointFormat.CurrentVersion ? ", the default" : "")})"
            : "OrtTune cannot write that version";
        return new(checkpointVersion, runtimeVersion, required, CheckpointAcceptance.Rejected,
            $"this checkpoint is version {checkpointVersion}; {runtime} needs version {required}; {fix}.");
    }

    /// <summary>Throws when the runtime is known to refuse the checkpoint; an unknown runtime passes.</summary>
    /// <exception cref="InvalidOperationException">The runtime refuses this checkpoint version (the message says what to do).</exception>
    public static void ThrowIfRejected(TrainingCheckpoint checkpoint, string runtimeVersion)
    {
        var report = Check(checkpoint, runtimeVersion);
        if (report.Acceptance == CheckpointAcceptance.Rejected) throw new InvalidOperationException(report.Message);
    }

    /// <summary>Parses "1.19", "1.19.2" or "1.19.2-dev" (the pre-release tag is ignored).</summary>
    public static Version ParseRuntimeVersion(string runtimeVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeVersion);
        var core = runtimeVersion.Trim().TrimStart('v').Split('-', '+')[0];
        return Version.TryParse(core.Contains('.') ? core : core + ".0", out var v)
            ? v
            : throw new FormatException($"'{runtimeVersion}' is not an ONNX Runtime version (expected e.g. 1.19.2).");
    }
}

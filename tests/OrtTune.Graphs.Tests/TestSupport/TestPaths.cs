namespace OrtTune.Graphs.Tests.TestSupport;

/// <summary>Where the repository, its committed fixtures and the shared (not committed) data live.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string FixtureModels => Path.Combine(RepoRoot, "tests", "fixtures", "models");

    /// <summary>The names of the committed fixture models (folders under tests/fixtures/models).</summary>
    public static IEnumerable<string> FixtureNames =>
        Directory.GetDirectories(FixtureModels).Select(Path.GetFileName).Where(n => File.Exists(Path.Combine(FixtureModels, n!, "model.onnx"))).Order()!;

    /// <summary>shared/ beside the repository; absent on machines without the project's data.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Stories260K => Path.Combine(Shared, "data", "models", "stories260K");

    /// <summary>Returns the path of a file under shared/, or marks the test inconclusive (skipped) with the reason.</summary>
    public static string RequireShared(params string[] relative)
    {
        var path = Path.Combine([Shared, .. relative]);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"Skipped: needs {path} (the shared data folder beside the repository is absent).");
        return path;
    }

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

namespace OrtTune.Cli.Tests;

/// <summary>Runs the `orttune` program in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int exitCode, string output, string error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = OrtTuneCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixture(string name, string file = "model.onnx") => Path.Combine(RepoRoot, "tests", "fixtures", "models", name, file);

    /// <summary>A file or folder under shared/ beside the repository, or the test is skipped (inconclusive) with the reason.</summary>
    public static string RequireShared(params string[] relative)
    {
        var path = Path.GetFullPath(Path.Combine([RepoRoot, "..", "shared", .. relative]));
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Inconclusive($"Skipped: needs {path} (the shared data folder beside the repository is absent).");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrtTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find OrtTune.sln above " + AppContext.BaseDirectory);
    }
}

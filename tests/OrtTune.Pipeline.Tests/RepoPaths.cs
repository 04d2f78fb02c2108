namespace OrtTune.Pipeline.Tests;

internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrtTune.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find OrtTune.sln above " + AppContext.BaseDirectory);
    }

}

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

    /// <summary>A float32 scalar .npy (format 1.0), as the fixture scripts write losses.</summary>
    public static float NpyScalar(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int header = BitConverter.ToUInt16(bytes, 8);
        return BitConverter.ToSingle(bytes, 10 + header);
    }
}

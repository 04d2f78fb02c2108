using System.Globalization;
using System.Text.Json;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// A run's checkpoint folder: one file per saved step ("step-00000120"), each written atomically, and an index
/// (checkpoints.json, also atomic) naming the latest and the best. Only the newest <c>keepLast</c> step files survive,
/// plus the best one, so a long run does not fill the disk and the best model is never pruned.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The index file in a checkpoint folder.</summary>
    public const string IndexName = "checkpoints.json";

    private const string StepPrefix = "step-";
    private readonly int _keepLast;

    public CheckpointStore(string directory, int keepLast = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        Directory = Path.GetFullPath(directory);
        _keepLast = keepLast;
        var index = ReadIndex(Directory);
        Latest = index?.Latest is { } l ? Path.Combine(Directory, l) : null;
        Best = index?.Best is { } b ? Path.Combine(Directory, b) : null;
        // A run killed while writing leaves its temporary file (never a torn checkpoint); nobody else writes here.
        if (System.IO.Directory.Exists(Directory))
            foreach (var stale in System.IO.Directory.EnumerateFiles(Directory, ".*.tmp")) File.Delete(stale);
    }

    public string Directory { get; }

    /// <summary>The last checkpoint saved, or null.</summary>
    public string? Latest { get; private set; }

    /// <summary>The checkpoint with the best eval metric so far, or null before any evaluation.</summary>
    public string? Best { get; private set; }

    /// <summary>Makes the checkpoint of <paramref name="step"/> the best one (on resume, from the trainer state), when it exists.</summary>
    public void RestoreBest(long step)
    {
        var path = Path.Combine(Directory, FileName(step));
        if (File.Exists(path)) Best = path;
    }

    /// <summary>File name of the checkpoint of <paramref name="step"/>.</summary>
    public static string FileName(long step) => StepPrefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="checkpoint"/> as the step's file, updates the index and prunes old step files; returns the path.</summary>
    public string Save(TrainingCheckpoint checkpoint, long step, bool isBest)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, FileName(step));
        CheckpointWriter.Write(checkpoint, path);
        Latest = path;
        if (isBest) Best = path;
        WriteIndex();
        Prune();
        return path;
    }

    /// <summary>
    /// The checkpoint file <paramref name="path"/> names: the file itself; for a checkpoint folder its latest; for
    /// "FOLDER/best" or "FOLDER/latest" the one the folder's index names.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing there.</exception>
    public static string Resolve(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full)) return full;
        var (folder, which) = System.IO.Directory.Exists(full) ? (full, "latest") : (Path.GetDirectoryName(full)!, Path.GetFileName(full));
        if (which is "latest" or "best" && ReadIndex(folder) is { } index && (which == "best" ? index.Best : index.Latest) is { } name)
            return Path.Combine(folder, name);
        throw new FileNotFoundException(
            System.IO.Directory.Exists(full) ? $"Checkpoint folder '{full}' holds no checkpoint ({IndexName} is missing or empty)."
            : $"Checkpoint '{full}' does not exist.", full);
    }

    private void Prune()
    {
        var steps = System.IO.Directory.EnumerateFiles(Directory, StepPrefix + "*")
            .Where(f => Path.GetFileName(f).Length == StepPrefix.Length + 8)
            .OrderByDescending(f => f, StringComparer.Ordinal).ToList();
        foreach (var old in steps.Skip(_keepLast))
            if (!string.Equals(old, Best, StringComparison.Ordinal) && !string.Equals(old, Latest, StringComparison.Ordinal))
                File.Delete(old);
    }

    private sealed record Index(string? Latest, string? Best);

    private void WriteIndex() => AtomicFile.WriteAllText(Path.Combine(Directory, IndexName),
        JsonSerializer.Serialize(new Index(Latest is null ? null : Path.GetFileName(Latest), Best is null ? null : Path.GetFileName(Best)),
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));

    private static Index? ReadIndex(string folder)
    {
        var path = Path.Combine(folder, IndexName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<Index>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a checkpoint index: {e.Message}", e);
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using OrtTune.Artifacts;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Metrics;

/// <summary>
/// A run's metrics as metrics.csv and metrics.jsonl in one folder, one row per step and per evaluation, flushed as
/// written so a killed run loses nothing. Opening it to resume from step N drops the rows after N (the resumed run
/// computes them again), so the files always describe one trajectory.
/// </summary>
public sealed class MetricsLog : IProgress<TrainerReport>, IDisposable
{
    public const string CsvName = "metrics.csv";
    public const string JsonlName = "metrics.jsonl";

    private readonly StreamWriter _csv, _jsonl;
    private long _epoch;

    private MetricsLog(string directory)
    {
        Directory = directory;
        _csv = Append(Path.Combine(directory, CsvName));
        _jsonl = Append(Path.Combine(directory, JsonlName));
        if (_csv.BaseStream.Length == 0) WriteLine(_csv, string.Join(",", MetricRecord.Columns));
    }

    public string Directory { get; }

    public string CsvPath => Path.Combine(Directory, CsvName);

    /// <summary>Opens (or creates) the log in <paramref name="directory"/>; with <paramref name="resumeStep"/>, rows after that step are dropped first.</summary>
    public static MetricsLog Open(string directory, long? resumeStep = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var csv = Path.Combine(directory, CsvName);
        var jsonl = Path.Combine(directory, JsonlName);
        if (resumeStep is { } step)
        {
            if (File.Exists(csv))
            {
                var kept = File.ReadLines(csv).Skip(1).Where(l => l.Length > 0 && long.Parse(l[..l.IndexOf(',')], CultureInfo.InvariantCulture) <= step).ToList();
                AtomicFile.WriteAllText(csv, string.Join("\n", kept.Prepend(string.Join(",", MetricRecord.Columns))) + "\n");
            }
            if (File.Exists(jsonl))
            {
                var kept = File.ReadLines(jsonl).Where(l => l.Length > 0 && StepOf(l) <= step).ToList();
                AtomicFile.WriteAllText(jsonl, string.Concat(kept.Select(l => l + "\n")));
            }
        }
        else
        {
            File.Delete(csv);
            File.Delete(jsonl);
        }
        return new MetricsLog(directory);
    }

    private static long StepOf(string jsonLine)
    {
        using var row = JsonDocument.Parse(jsonLine);
        return row.RootElement.GetProperty("step").GetInt64();
    }

    /// <summary>Reads a metrics.csv written by this class.</summary>
    public static List<MetricRecord> Read(string csvPath)
    {
        var lines = File.ReadAllLines(csvPath);
        if (lines.Length == 0 || lines[0] != string.Join(",", MetricRecord.Columns))
            throw new InvalidDataException($"{csvPath} is not an OrtTune metrics file (its header is not '{string.Join(",", MetricRecord.Columns)}').");
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => MetricRecord.Parse(l.Split(','))).ToList();
    }

    public void Report(TrainerReport value)
    {
        switch (value)
        {
            case StepReport s:
                _epoch = s.Epoch;
                Write(MetricRecord.From(s));
                break;
            case EvalReport e:
                Write(MetricRecord.From(e, _epoch));
                break;
        }
    }

    public void Write(MetricRecord record)
    {
        var values = record.Values();
        WriteLine(_csv, string.Join(",", values.Select(Format)));
        var json = new StringBuilder("{");
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] is null or double and not (> double.NegativeInfinity and < double.PositiveInfinity)) continue; // JSON has no NaN
            if (json.Length > 1) json.Append(',');
            json.Append('"').Append(MetricRecord.Columns[i]).Append("\":");
            json.Append(values[i] is string text ? JsonSerializer.Serialize(text) : Format(values[i]));
        }
        WriteLine(_jsonl, json.Append('}').ToString());
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d when !double.IsFinite(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static StreamWriter Append(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));

    private static void WriteLine(StreamWriter writer, string line)
    {
        writer.Write(line);
        writer.Write('\n');
        writer.Flush();
    }

    public void Dispose()
    {
        _csv.Dispose();
        _jsonl.Dispose();
    }
}

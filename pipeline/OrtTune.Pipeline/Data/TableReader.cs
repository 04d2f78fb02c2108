using System.Text;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Streams the rows of a TSV, CSV, JSONL or text file, one line (or CSV record) at a time, so a file larger than
/// memory can be read. Each <see cref="Read"/> opens the file anew. Blank lines are skipped.
/// </summary>
public abstract class TableReader
{
    protected TableReader(string path) => Path = path;

    public string Path { get; }

    protected string Name => System.IO.Path.GetFileName(Path);

    /// <summary>A reader for <paramref name="path"/>; <paramref name="hasHeader"/> applies to TSV and CSV.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static TableReader Open(string path, DataFormat format, bool hasHeader)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        return format switch
        {
            DataFormat.Tsv => new DelimitedTableReader(path, '\t', quoting: false, hasHeader),
            DataFormat.Csv => new DelimitedTableReader(path, ',', quoting: true, hasHeader),
            DataFormat.Jsonl => new JsonLinesTableReader(path),
            DataFormat.Text => new TextLinesTableReader(path),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>The rows, each with the values of <paramref name="columns"/> in that order.</summary>
    /// <exception cref="InvalidDataException">An empty file, a missing column (named, with the columns present) or a malformed row (with its line).</exception>
    public abstract IEnumerable<TableRow> Read(IReadOnlyList<string> columns, CancellationToken cancellationToken = default);

    protected StreamReader OpenText() => new(Path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions { BufferSize = 1 << 16 });

    protected InvalidDataException Empty() => new($"Data file '{Path}' is empty: it has no rows.");

    protected InvalidDataException MissingColumn(string column, IEnumerable<string> present, string? where = null) =>
        new($"{where ?? Name} has no column '{column}'; the columns present are: {string.Join(", ", present.Select(c => $"'{c}'"))}.");
}

namespace OrtTune.Pipeline.Data;

/// <summary>Plain text: every non-blank line is a row with one column, "text".</summary>
internal sealed class TextLinesTableReader(string path) : TableReader(path)
{
    public const string Column = "text";

    public override IEnumerable<TableRow> Read(IReadOnlyList<string> columns, CancellationToken cancellationToken = default)
    {
        foreach (var c in columns)
            if (c != Column) throw MissingColumn(c, [Column]);
        using var reader = OpenText();
        long line = 0, row = 0;
        bool any = false;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            any = true;
            yield return new TableRow(line, ++row, columns.Select(_ => text).ToArray());
        }
        if (!any) throw Empty();
    }
}

using System.Text;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// TSV (no quoting: a tab always separates, quotes are text, as in GLUE's files) and CSV (RFC 4180: fields in double
/// quotes may hold separators, line breaks and doubled quotes). Every row must have as many fields as the header.
/// </summary>
internal sealed class DelimitedTableReader(string path, char separator, bool quoting, bool hasHeader) : TableReader(path)
{
    public override IEnumerable<TableRow> Read(IReadOnlyList<string> columns, CancellationToken cancellationToken = default)
    {
        using var reader = OpenText();
        var records = Records(reader).GetEnumerator();
        string[]? header = null;
        int[]? indices = null;
        long row = 0;
        while (records.MoveNext())
        {
            var (line, fields) = records.Current;
            cancellationToken.ThrowIfCancellationRequested();
            if (header is null)
            {
                header = hasHeader ? fields : Enumerable.Range(0, fields.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                indices = columns.Select(c => Array.IndexOf(header, c) is int i and >= 0 ? i : throw MissingColumn(c, header)).ToArray();
                if (hasHeader) continue;
            }
            if (fields.Length != header.Length)
                throw new InvalidDataException(
                    $"{Name} line {line} (row {row + 1}) is malformed: it has {fields.Length} field(s) where the {(hasHeader ? "header" : "first row")} has {header.Length} " +
                    $"({string.Join(", ", header.Select(h => $"'{h}'"))}){(quoting ? "" : "; a TSV field cannot contain a tab")}.");
            yield return new TableRow(line, ++row, indices!.Select(i => fields[i]).ToArray());
        }
        if (header is null) throw Empty();
    }

    // (line where the record starts, fields); blank lines are skipped.
    private IEnumerable<(long Line, string[] Fields)> Records(StreamReader reader)
    {
        long line = 0;
        if (!quoting)
        {
            while (reader.ReadLine() is { } text)
            {
                line++;
                if (text.Length > 0) yield return (line, text.Split(separator));
            }
            yield break;
        }
        var fields = new List<string>();
        var field = new StringBuilder();
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            long start = line;
            fields.Clear();
            field.Clear();
            int i = 0;
            while (true)
            {
                if (i < text.Length && text[i] == '"')
                {
                    // Quoted field: read to the closing quote, across lines; "" is a literal quote.
                    i++;
                    while (true)
                    {
                        if (i == text.Length)
                        {
                            if (reader.ReadLine() is not { } next)
                                throw new InvalidDataException($"{Name} line {start} is malformed: a quoted field opened there is never closed (end of file reached).");
                            line++;
                            field.Append('\n');
                            text = next;
                            i = 0;
                            continue;
                        }
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        field.Append(text[i++]);
                    }
                    if (i < text.Length && text[i] != separator)
                        throw new InvalidDataException(
                            $"{Name} line {line} is malformed: '{text[i]}' follows a closing quote at column {i + 1}; a quote inside a quoted field is written \"\".");
                }
                else
                {
                    int end = text.IndexOf(separator, i);
                    if (end < 0) end = text.Length;
                    var raw = text.AsSpan(i, end - i);
                    if (raw.Contains('"'))
                        throw new InvalidDataException(
                            $"{Name} line {line} is malformed: a quote inside the unquoted field '{raw}' (column {i + 1}); quote the whole field and write the quote as \"\".");
                    field.Append(raw);
                    i = end;
                }
                fields.Add(field.ToString());
                field.Clear();
                if (i >= text.Length) break;
                i++; // the separator
                if (i == text.Length) { fields.Add(""); break; }
            }
            yield return (start, fields.ToArray());
        }
    }
}

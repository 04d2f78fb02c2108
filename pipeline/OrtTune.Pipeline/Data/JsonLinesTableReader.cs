using System.Text.Json;

namespace OrtTune.Pipeline.Data;

/// <summary>JSON Lines: one object per line; a column is a field whose value is a string, number or boolean.</summary>
internal sealed class JsonLinesTableReader(string path) : TableReader(path)
{
    public override IEnumerable<TableRow> Read(IReadOnlyList<string> columns, CancellationToken cancellationToken = default)
    {
        using var reader = OpenText();
        long line = 0, row = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            row++;
            yield return new TableRow(line, row, Values(text, line, row, columns));
        }
        if (row == 0) throw Empty();
    }

    private string[] Values(string text, long line, long row, IReadOnlyList<string> columns)
    {
        string where = $"{Name} line {line} (row {row})";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where} is malformed: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{where} is malformed: a JSON {root.ValueKind.ToString().ToLowerInvariant()}, where each line must be an object.");
            var values = new string[columns.Count];
            for (int i = 0; i < columns.Count; i++)
            {
                if (!root.TryGetProperty(columns[i], out var value) || value.ValueKind == JsonValueKind.Null)
                    throw MissingColumn(columns[i], root.EnumerateObject().Select(p => p.Name), where);
                values[i] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Number => value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    var kind => throw new InvalidDataException(
                        $"{where} is malformed: field '{columns[i]}' is a JSON {kind.ToString().ToLowerInvariant()}; columns hold strings, numbers or booleans."),
                };
            }
            return values;
        }
    }
}

namespace OrtTune.Pipeline.Data;

/// <summary>Layouts of a text data file.</summary>
public enum DataFormat
{
    /// <summary>Tab-separated, one row per line, no quoting (GLUE style: quotes are ordinary characters).</summary>
    Tsv,
    /// <summary>Comma-separated with RFC 4180 quoting: "a ""quoted"" field", fields may span lines.</summary>
    Csv,
    /// <summary>One JSON object per line; columns are its fields (strings, numbers or booleans).</summary>
    Jsonl,
    /// <summary>Plain text: every non-blank line is one example in a column named "text".</summary>
    Text,
}

public static class DataFormats
{
    /// <summary>The format a file name implies: .tsv, .csv, .jsonl/.ndjson/.json, .txt.</summary>
    /// <exception cref="InvalidDataException">Any other extension.</exception>
    public static DataFormat FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".tsv" or ".tab" => DataFormat.Tsv,
        ".csv" => DataFormat.Csv,
        ".jsonl" or ".ndjson" or ".json" => DataFormat.Jsonl,
        ".txt" or ".text" => DataFormat.Text,
        var ext => throw new InvalidDataException(
            $"Cannot tell the format of '{path}' from its extension '{ext}': name it .tsv, .csv, .jsonl or .txt, or give the format (tsv, csv, jsonl, text)."),
    };

    /// <summary>Parses tsv, csv, jsonl or text (case-insensitive).</summary>
    public static DataFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "tsv" => DataFormat.Tsv,
        "csv" => DataFormat.Csv,
        "jsonl" or "ndjson" => DataFormat.Jsonl,
        "text" or "txt" => DataFormat.Text,
        _ => throw new InvalidDataException($"Unknown data format '{name}'; use tsv, csv, jsonl or text."),
    };
}

namespace OrtTune.Pipeline.Data;

/// <summary>One data row: where it is in the file and the values of the requested columns, in request order.</summary>
/// <param name="Line">1-based line where the row starts.</param>
/// <param name="Row">1-based data row (the header is not a row).</param>
public readonly record struct TableRow(long Line, long Row, string[] Values)
{
    public string Where(string file) => $"{System.IO.Path.GetFileName(file)} line {Line} (row {Row})";
}

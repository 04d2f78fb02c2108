namespace OrtTune.Graphs.IR;

/// <summary>
/// One dimension of a tensor shape: a known size, a named symbol (dim_param, e.g. "batch"), or unknown.
/// </summary>
public readonly record struct Dim
{
    public long? Value { get; }
    public string? Symbol { get; }

    private Dim(long? value, string? symbol) { Value = value; Symbol = symbol; }

    public static Dim Known(long value) =>
        value >= 0 ? new Dim(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "A dimension cannot be negative.");
    public static Dim Named(string symbol) => new(null, symbol);
    public static readonly Dim Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static implicit operator Dim(long value) => Known(value);

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

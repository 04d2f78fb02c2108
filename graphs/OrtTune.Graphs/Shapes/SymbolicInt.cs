using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// One element of a symbolic shape value (a small integer tensor computed from shapes, such as a Reshape target):
/// a known integer, a named dimension ("batch"), or unknown. Unlike <see cref="Dim"/> a known element may be negative,
/// because shape tensors carry -1 (infer this dim) and INT64_MAX/INT64_MIN (slice to the end).
/// </summary>
public readonly record struct SymbolicInt
{
    private SymbolicInt(long? value, string? symbol) { Value = value; Symbol = symbol; }

    public long? Value { get; }
    public string? Symbol { get; }

    public static SymbolicInt Known(long value) => new(value, null);
    public static SymbolicInt Named(string symbol) => new(null, symbol);
    public static readonly SymbolicInt Unknown = new(null, null);

    public bool IsKnown => Value.HasValue;
    public bool IsSymbolic => Symbol is not null;

    public static SymbolicInt FromDim(Dim d) => d.IsKnown ? Known(d.Value!.Value) : d.IsSymbolic ? Named(d.Symbol!) : Unknown;

    /// <summary>The dimension this element stands for; a negative known value is not a size, so it becomes unknown.</summary>
    public Dim ToDim() => Value is long v ? (v >= 0 ? Dim.Known(v) : Dim.Unknown) : Symbol is not null ? Dim.Named(Symbol) : Dim.Unknown;

    public bool SameAs(SymbolicInt other) => IsKnown ? other.Value == Value : IsSymbolic && other.Symbol == Symbol;

    // Arithmetic that stays exact: a symbol survives only the neutral element of the operation.
    public static SymbolicInt Add(SymbolicInt a, SymbolicInt b) =>
        a.IsKnown && b.IsKnown ? Known(a.Value!.Value + b.Value!.Value)
        : b.Value == 0 ? a : a.Value == 0 ? b : Unknown;

    public static SymbolicInt Sub(SymbolicInt a, SymbolicInt b) =>
        a.IsKnown && b.IsKnown ? Known(a.Value!.Value - b.Value!.Value)
        : b.Value == 0 ? a : a.IsSymbolic && a.SameAs(b) ? Known(0) : Unknown;

    public static SymbolicInt Mul(SymbolicInt a, SymbolicInt b) =>
        a.IsKnown && b.IsKnown ? Known(a.Value!.Value * b.Value!.Value)
        : a.Value == 0 || b.Value == 0 ? Known(0) : b.Value == 1 ? a : a.Value == 1 ? b : Unknown;

    /// <summary>Integer division as ONNX Div does it on integers (truncating).</summary>
    public static SymbolicInt Div(SymbolicInt a, SymbolicInt b) =>
        a.IsKnown && b.IsKnown && b.Value != 0 ? Known(a.Value!.Value / b.Value!.Value)
        : b.Value == 1 ? a : a.IsSymbolic && a.SameAs(b) ? Known(1) : Unknown;

    public override string ToString() => Value?.ToString() ?? Symbol ?? "?";
}

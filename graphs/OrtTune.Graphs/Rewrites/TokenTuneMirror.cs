using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// The grad-branch counterpart of a value of the original (no-grad) forward. In rows form (<see cref="Axis"/> set) it
/// holds only the selected tokens: along <see cref="Axis"/> the original's outer × n × inner positions become
/// outer × k × inner (outer = 1, inner = 1 for an axis that is just the token axis; outer = batch when the export
/// merged batch and tokens into one axis). In dense form (<see cref="Axis"/> null) it has the original's shape and
/// value, and gradients reach the selected tokens only.
/// </summary>
internal sealed record TokenTuneMirror(Value Value, int? Axis, long Outer = 1, long Inner = 1)
{
    public bool IsRows => Axis is not null;

    public static TokenTuneMirror Dense(Value value) => new(value, null);

    public TokenTuneMirror At(Value value, int axis) => new(value, axis, Outer, Inner);

    /// <summary>True when the token axis is the whole axis (no merged batch or inner positions).</summary>
    public bool IsPlain => Outer == 1 && Inner == 1;

    public bool SameLayout(TokenTuneMirror other) => Outer == other.Outer && Inner == other.Inner;
}

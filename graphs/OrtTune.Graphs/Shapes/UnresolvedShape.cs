using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>A value whose type, rank or some dimension inference could not determine, and why.</summary>
public sealed record UnresolvedShape(Value Value, Node? Producer, string Reason)
{
    public override string ToString() => $"'{Value.Name}' {Value.Type?.ToString() ?? "?"}: {Reason}";
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Diagnostics;

/// <summary>Base of the errors OrtTune reports to users: the message says what is wrong and where.</summary>
public class OrtTuneException : Exception
{
    public OrtTuneException(string message) : base(message) { }
    public OrtTuneException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model file that cannot be read: not ONNX, truncated, or with missing external data.</summary>
public sealed class ModelFormatException : OrtTuneException
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An operator that a stage of OrtTune does not know; names the node, the op and its domain.</summary>
public sealed class UnsupportedOperatorException(Node node, string stage)
    : OrtTuneException($"{stage}: operator '{node.OpType}' of domain '{(node.Domain.Length == 0 ? "ai.onnx" : node.Domain)}' " +
                       $"(node '{node.Name}') is not supported.")
{
    public string OpType { get; } = node.OpType;
    public string Domain { get; } = node.Domain;
    public string NodeName { get; } = node.Name;
}

/// <summary>Inference or specialisation found shapes or types that cannot be right or cannot be made static.</summary>
public sealed class ShapeException(string message) : OrtTuneException(message);

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>What a shape inference run found besides the types it set on the values.</summary>
public sealed class InferenceResult
{
    internal InferenceResult(IReadOnlyDictionary<Value, Tensor> knownValues, IReadOnlyList<UnresolvedShape> unresolved,
        IReadOnlyList<Node> unsupportedNodes)
    {
        KnownValues = knownValues;
        Unresolved = unresolved;
        UnsupportedNodes = unsupportedNodes;
    }

    /// <summary>
    /// Node outputs whose values inference computed (shape subgraphs, Constant outputs, small constant arithmetic):
    /// what constant folding can replace by initializers. Initializers themselves are not listed.
    /// </summary>
    public IReadOnlyDictionary<Value, Tensor> KnownValues { get; }

    /// <summary>Node outputs left without a full shape (unknown rank or some unknown dimension), with the reason.</summary>
    public IReadOnlyList<UnresolvedShape> Unresolved { get; }

    /// <summary>Nodes whose operator has no shape rule (only with <see cref="ShapeInferenceOptions.UnknownOpsAsUnknownShapes"/>).</summary>
    public IReadOnlyList<Node> UnsupportedNodes { get; }
}

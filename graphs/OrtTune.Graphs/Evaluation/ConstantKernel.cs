using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation;

/// <summary>
/// Computes a node's outputs from constant inputs, on the CPU in managed code. Used by shape inference to
/// propagate small values (shape subgraphs) and by constant folding. <paramref name="inputs"/> has null for
/// omitted optional inputs; the result has one tensor per node output (null for omitted outputs).
/// </summary>
public delegate Tensor?[] ConstantKernel(Node node, IReadOnlyList<Tensor?> inputs);

using System.Diagnostics.CodeAnalysis;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Evaluation.Kernels;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation;

/// <summary>
/// The registry of managed reference kernels, keyed by (domain, op type) with "" for the default ONNX domain.
/// Every kernel reports bad inputs (wrong counts, shapes, types) as an <see cref="OrtTuneException"/> that names
/// the node and op, and returns exactly one tensor per node output (null for omitted outputs).
/// </summary>
public static class ConstantKernels
{
    private static readonly Dictionary<(string Domain, string OpType), ConstantKernel> Table = new()
    {
        [("", "Shape")] = One(ShapeKernels.Shape),
        [("", "Size")] = One(ShapeKernels.Size),

        [("", "Reshape")] = One(ReshapeKernels.Reshape),
        [("", "Flatten")] = One(ReshapeKernels.Flatten),
        [("", "Squeeze")] = One(ReshapeKernels.Squeeze),
        [("", "Unsqueeze")] = One(ReshapeKernels.Unsqueeze),
        [("", "Identity")] = One(ReshapeKernels.Identity),

        [("", "Gather")] = One(GatherKernels.Gather),
        [("", "GatherElements")] = One(GatherKernels.GatherElements),
        [("", "ScatterND")] = One(ScatterKernels.ScatterND),
        [("", "ScatterElements")] = One(ScatterKernels.ScatterElements),
        [("", "Scatter")] = One(ScatterKernels.ScatterElements),
        [("", "Concat")] = One(ConcatKernels.Concat),
        [("", "Split")] = Many(SplitKernels.Split),
        [("", "Slice")] = One(SliceKernels.Slice),
        [("", "Transpose")] = One(TransposeKernels.Transpose),
        [("", "Expand")] = One(ExpandKernels.Expand),
        [("", "Tile")] = One(ExpandKernels.Tile),
        [("", "Trilu")] = One(TriluKernels.Trilu),
        [("", "NonZero")] = One(NonZeroKernels.NonZero),
        [("", "OneHot")] = One(OneHotKernels.OneHot),

        [("", "Constant")] = One(GeneratorKernels.Constant),
        [("", "ConstantOfShape")] = One(GeneratorKernels.ConstantOfShape),
        [("", "Range")] = One(GeneratorKernels.Range),

        [("", "Cast")] = One(CastKernels.Cast),
        [("", "CastLike")] = One(CastKernels.CastLike),

        [("", "Add")] = One(ElementwiseKernels.Add),
        [("", "Sub")] = One(ElementwiseKernels.Sub),
        [("", "Mul")] = One(ElementwiseKernels.Mul),
        [("", "Div")] = One(ElementwiseKernels.Div),
        [("", "Mod")] = One(ElementwiseKernels.Mod),
        [("", "Pow")] = One(ElementwiseKernels.Pow),
        [("", "Max")] = One(ElementwiseKernels.Max),
        [("", "Min")] = One(ElementwiseKernels.Min),
        [("", "Sum")] = One(ElementwiseKernels.Sum),
        [("", "Mean")] = One(ElementwiseKernels.Mean),
        [("", "Neg")] = One(ElementwiseKernels.Neg),
        [("", "Abs")] = One(ElementwiseKernels.Abs),
        [("", "Relu")] = One(ElementwiseKernels.Relu),
        [("", "Sign")] = One(ElementwiseKernels.Sign),
        [("", "Sqrt")] = One(ElementwiseKernels.Sqrt),
        [("", "Reciprocal")] = One(ElementwiseKernels.Reciprocal),
        [("", "Exp")] = One(ElementwiseKernels.Exp),
        [("", "Log")] = One(ElementwiseKernels.Log),
        [("", "Erf")] = One(ElementwiseKernels.Erf),
        [("", "Tanh")] = One(ElementwiseKernels.Tanh),
        [("", "Sigmoid")] = One(ElementwiseKernels.Sigmoid),
        [("", "Cos")] = One(ElementwiseKernels.Cos),
        [("", "Sin")] = One(ElementwiseKernels.Sin),
        [("", "Floor")] = One(ElementwiseKernels.Floor),
        [("", "Ceil")] = One(ElementwiseKernels.Ceil),
        [("", "Round")] = One(ElementwiseKernels.Round),
        [("", "Clip")] = One(ElementwiseKernels.Clip),

        [("", "Equal")] = One(LogicKernels.Equal),
        [("", "Less")] = One(LogicKernels.Less),
        [("", "Greater")] = One(LogicKernels.Greater),
        [("", "LessOrEqual")] = One(LogicKernels.LessOrEqual),
        [("", "GreaterOrEqual")] = One(LogicKernels.GreaterOrEqual),
        [("", "And")] = One(LogicKernels.And),
        [("", "Or")] = One(LogicKernels.Or),
        [("", "Xor")] = One(LogicKernels.Xor),
        [("", "Not")] = One(LogicKernels.Not),
        [("", "Where")] = One(LogicKernels.Where),

        [("", "ReduceSum")] = One(ReduceKernels.ReduceSum),
        [("", "ReduceMean")] = One(ReduceKernels.ReduceMean),
        [("", "ReduceMax")] = One(ReduceKernels.ReduceMax),
        [("", "ReduceMin")] = One(ReduceKernels.ReduceMin),
        [("", "ReduceProd")] = One(ReduceKernels.ReduceProd),
        [("", "CumSum")] = One(CumSumKernels.CumSum),
        [("", "MatMul")] = One(MatMulKernels.MatMul),
        [("", "Softmax")] = One(SoftmaxKernels.Softmax),
    };

    /// <summary>The (domain, op type) pairs that have a kernel.</summary>
    public static IReadOnlyCollection<(string Domain, string OpType)> Operators => Table.Keys;

    public static bool TryGet(Node node, [MaybeNullWhen(false)] out ConstantKernel kernel) =>
        Table.TryGetValue((Node.NormalizeDomain(node.Domain), node.OpType), out kernel);

    public static bool Supports(Node node) => TryGet(node, out _);

    /// <summary>Computes the node's outputs; throws <see cref="UnsupportedOperatorException"/> when no kernel exists.</summary>
    public static Tensor?[] Evaluate(Node node, IReadOnlyList<Tensor?> inputs) =>
        TryGet(node, out var kernel) ? kernel(node, inputs) : throw new UnsupportedOperatorException(node, "constant evaluation");

    private static ConstantKernel One(Func<KernelArgs, Tensor> kernel) => Many(a => [kernel(a)]);

    /// <summary>
    /// Wraps a kernel body: any failure inside becomes an OrtTuneException naming the node, and the result is
    /// fitted to the node's outputs.
    /// </summary>
    private static ConstantKernel Many(Func<KernelArgs, Tensor?[]> kernel) => (node, inputs) =>
    {
        var args = new KernelArgs(node, inputs);
        Tensor?[] results;
        try
        {
            results = kernel(args);
        }
        catch (Exception e) when (e is not OrtTuneException)
        {
            throw args.Fail(e.Message, e);
        }
        if (node.Outputs.Count > results.Length)
            throw args.Fail($"the node has {node.Outputs.Count} outputs but the operator computes {results.Length}.");
        var outputs = new Tensor?[node.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = node.Outputs[i] is null ? null : results[i];
        return outputs;
    };
}

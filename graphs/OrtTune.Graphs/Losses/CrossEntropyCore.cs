using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Losses;

/// <summary>
/// Mean negative log-likelihood of logits [N, C] against int64 labels [N], over the rows whose label is not the
/// ignore index, as PyTorch's F.cross_entropy(reduction="mean", ignore_index=...). Shared by both cross-entropies.
/// </summary>
/// <remarks>
/// Labels must lie in [0, C) or equal the ignore index. The runner validates labels before feeding them (a label
/// outside that range is a data bug). The graph also refuses them on ONNX Runtime's CPU provider: labels ≥ C, and
/// negative labels (which GatherElements would otherwise read from the end), index out of range, and the run fails;
/// other execution providers need not check, hence the runner's check.
/// When every label is ignored the loss is 0 with zero gradient, where PyTorch returns NaN: a batch made only of
/// prompt or padding must not poison the optimizer state.
/// </remarks>
internal static class CrossEntropyCore
{
    public static Value MaskedMean(OpBuilder ops, Value logits, Value labels, long classes, long ignoreIndex)
    {
        if (ops.Opset < 11) throw new NotSupportedException($"The cross-entropy losses need opset 11 or later (GatherElements); the model has {ops.Opset}.");
        var type = logits.ElemType;
        var logProbs = ops.Op("LogSoftmax", [logits], Attribute.Of("axis", 1L));

        // Label-only (int64/bool) nodes: no gradient flows through them.
        var ignored = ops.Op("Equal", labels, ops.Scalar(ignoreIndex, DataType.Int64));
        var index = ops.Op("Where", ignored, ops.Scalar(0, DataType.Int64), labels);
        index = ops.Op("Where", ops.Op("Less", index, ops.Scalar(0, DataType.Int64)), ops.Scalar(classes, DataType.Int64), index);
        var picked = ops.Op("GatherElements", [logProbs, ops.Unsqueeze(index, 1)], Attribute.Of("axis", 1L)); // [N, 1]
        var weight = ops.Unsqueeze(ops.Op("Where", ignored, ops.Scalar(0, type), ops.Scalar(1, type)), 1);     // [N, 1]

        var total = ops.ReduceSum(ops.Op("Mul", ops.Op("Neg", picked), weight), [0, 1], keepDims: false);
        var count = ops.ReduceSum(weight, [0, 1], keepDims: false);
        return ops.Op("Div", total, ops.Op("Max", count, ops.Scalar(1, type)));
    }
}

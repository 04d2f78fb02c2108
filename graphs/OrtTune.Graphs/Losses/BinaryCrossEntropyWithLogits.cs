using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Losses;

/// <summary>
/// Mean binary cross-entropy on logits x against targets y, as PyTorch's F.binary_cross_entropy_with_logits:
/// the stable form max(x, 0) − x·y + log(1 + exp(−|x|)), written with r = Relu(x) as r − x·y + log(1 + exp(x − 2r)).
/// </summary>
/// <remarks>
/// x − 2r is −|x|, but built without Abs: with Max/Abs, the subgradients at x = 0 (ReLU'(0) = 0, |·|'(0) = 0) give
/// −y instead of σ(0) − y = 0.5 − y, and zero logits are common (a zero-initialised head). In this form the
/// derivative is σ(x) − y everywhere, whatever value the Relu rule takes at 0. exp never sees a positive argument.
/// </remarks>
internal static class BinaryCrossEntropyWithLogits
{
    public static Value Build(OpBuilder ops, Value x, Value y)
    {
        var type = x.ElemType;
        var r = ops.Op("Relu", x);
        var negAbs = ops.Op("Sub", x, ops.Op("Add", r, r));
        var softplusTail = ops.Op("Log", ops.Op("Add", ops.Scalar(1, type), ops.Op("Exp", negAbs)));
        var perElement = ops.Op("Add", ops.Op("Sub", r, ops.Op("Mul", x, y)), softplusTail);
        return ops.ReduceMean(perElement, Loss.AllAxes(x), keepDims: false);
    }
}

using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Losses;

/// <summary>Mean over all elements of (prediction − target)², as PyTorch's F.mse_loss.</summary>
internal static class MeanSquaredError
{
    public static Value Build(OpBuilder ops, Value prediction, Value target)
    {
        var diff = ops.Op("Sub", prediction, target);
        // Mul(d, d) rather than Pow: its gradient rule needs no exponent constant and accumulates both sides.
        return ops.ReduceMean(ops.Op("Mul", diff, diff), Loss.AllAxes(prediction), keepDims: false);
    }
}

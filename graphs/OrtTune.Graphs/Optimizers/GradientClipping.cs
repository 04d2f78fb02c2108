using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// The global-norm stage of torch.nn.utils.clip_grad_norm_ (L2): norm_i = ‖g_i‖, total = ‖(norm_1 … norm_n)‖,
/// coef = max_norm / (total + 1e-6), every g_i multiplied by min(coef, 1). Norms are taken in float, as torch's are
/// for float gradients.
/// </summary>
internal static class GradientClipping
{
    /// <summary>Returns the (clipped, when <paramref name="maxNorm"/> is set) gradients and the total norm before clipping.</summary>
    public static (Value[] Grads, Value Norm) Apply(OpBuilder ops, Value[] grads, double? maxNorm)
    {
        var squares = new List<Value>();
        foreach (var g in grads)
        {
            var sumSq = ops.ReduceSum(ops.Op("Mul", g, g), Enumerable.Range(0, OpBuilder.Rank(g)).Select(a => (long)a).ToArray(), keepDims: false);
            var norm = ToFloat(ops, ops.Op("Sqrt", sumSq));
            squares.Add(ops.Op("Mul", norm, norm));
        }
        var total = ops.Op("Sqrt", ops.Sum(squares));
        if (maxNorm is not { } max) return (grads, total);

        var coef = ops.Op("Div", ops.Scalar(max, DataType.Float), ops.Op("Add", total, ops.Scalar(1e-6, DataType.Float)));
        var clamped = ops.Op("Min", coef, ops.Scalar(1, DataType.Float));
        var perType = new Dictionary<DataType, Value>();
        var clipped = grads.Select(g =>
        {
            if (!perType.TryGetValue(g.ElemType, out var c))
                perType[g.ElemType] = c = g.ElemType == DataType.Float ? clamped : ops.Op("Cast", [clamped], IR.Attribute.Of("to", (long)g.ElemType));
            return ops.Op("Mul", g, c);
        }).ToArray();
        return (clipped, total);
    }

    private static Value ToFloat(OpBuilder ops, Value v) =>
        v.ElemType == DataType.Float ? v : ops.Op("Cast", [v], IR.Attribute.Of("to", (long)DataType.Float));
}

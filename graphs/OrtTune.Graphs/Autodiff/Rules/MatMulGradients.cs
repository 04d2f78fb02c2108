namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>MatMul with numpy semantics (1-D operands promoted, batch dimensions broadcast).</summary>
internal static class MatMulGradients
{
    /// <summary>C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC, then summed over broadcast batch dimensions.</summary>
    public static void MatMul(GradientContext c)
    {
        var o = c.Ops;
        var a = c.Input(0);
        var b = c.Input(1);
        var g = c.OutputGrad(0)!;
        var shapeA = c.Shape(a);
        var shapeB = c.Shape(b);
        // Promote 1-D operands to matrices so one formula covers every case; reshape results back at the end.
        var a2 = shapeA.Length == 1 ? o.Reshape(a, 1, shapeA[0]) : a;
        var b2 = shapeB.Length == 1 ? o.Reshape(b, shapeB[0], 1) : b;
        var outShape = c.Shape(c.Output(0)).ToList();
        if (shapeA.Length == 1) outShape.Insert(outShape.Count - (shapeB.Length == 1 ? 0 : 1), 1);
        if (shapeB.Length == 1) outShape.Add(1);
        var g2 = o.Reshape(g, outShape.ToArray());

        if (c.NeedsGrad(0))
        {
            var ga = o.MatMul(g2, Broadcastable(o, b2, g2), transB: true);
            c.SetGrad(0, o.Reshape(o.Unbroadcast(ga, BatchPadded(c.Shape(a2), c.Shape(ga))), shapeA));
        }
        if (c.NeedsGrad(1))
        {
            var gb = o.MatMul(Broadcastable(o, a2, g2), g2, transA: true);
            c.SetGrad(1, o.Reshape(o.Unbroadcast(gb, BatchPadded(c.Shape(b2), c.Shape(gb))), shapeB));
        }
    }

    /// <summary>
    /// FusedMatMul and MatMul broadcast batch dimensions themselves, but only when ranks agree for FusedMatMul;
    /// lift a lower-rank operand with leading unit axes so both forms work.
    /// </summary>
    private static IR.Value Broadcastable(OpBuilder o, IR.Value x, IR.Value like)
    {
        int missing = OpBuilder.Rank(like) - OpBuilder.Rank(x);
        if (missing <= 0) return x;
        var shape = Enumerable.Repeat(1L, missing).Concat(OpBuilder.StaticShape(x)).ToArray();
        return o.Reshape(x, shape);
    }

    /// <summary>The operand's shape with leading unit axes so that it has the gradient's rank (for Unbroadcast).</summary>
    private static long[] BatchPadded(long[] operand, long[] grad) =>
        Enumerable.Repeat(1L, Math.Max(0, grad.Length - operand.Length)).Concat(operand).ToArray();
}

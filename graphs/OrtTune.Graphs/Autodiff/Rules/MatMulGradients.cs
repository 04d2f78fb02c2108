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

        // A matrix B shared by every batch item of A (a linear layer's weight): fold A's batch axes into its rows.
        bool sharedMatrix = c.Shape(b2).Length == 2 && c.Shape(a2).Length > 2;
        if (c.NeedsGrad(0) && sharedMatrix)
        {
            // dA = g·Bᵀ as one [rows, N]·[N, K] product; B = Wᵀ is read as W, so the transposed copy is not kept.
            var shapeA2 = c.Shape(a2);
            var rows = o.Reshape(g2, shapeA2[..^1].Aggregate(1L, (x, y) => x * y), c.Shape(g2)[^1]);
            c.SetGrad(0, o.Reshape(o.MatMul(rows, b2, transB: true), shapeA));
        }
        else if (c.NeedsGrad(0))
        {
            var ga = o.MatMul(g2, Broadcastable(o, b2, g2), transB: true);
            c.SetGrad(0, o.Reshape(o.Unbroadcast(ga, BatchPadded(c.Shape(a2), c.Shape(ga))), shapeA));
        }
        if (c.NeedsGrad(1))
        {
            if (sharedMatrix)
                c.SetGrad(1, o.Reshape(SharedMatrixGrad(o, a2, b2, g2), shapeB));
            else
            {
                var gb = o.MatMul(Broadcastable(o, a2, g2), g2, transA: true);
                c.SetGrad(1, o.Reshape(o.Unbroadcast(gb, BatchPadded(c.Shape(b2), c.Shape(gb))), shapeB));
            }
        }
    }

    /// <summary>
    /// dB for a matrix B [K, N] shared by every batch item of A [..., M, K] (a linear layer's weight): with the batch
    /// axes folded into the rows, one product Aᵀ·g [K, N] instead of a batch of products [..., K, N] summed afterwards,
    /// which costs a weight-sized tensor per batch item and a reduction. When B is the transposed copy Wᵀ of a
    /// weight W [N, K] (as torch.onnx exports nn.Linear), the product is formed as gᵀ·A = dW directly; its transpose
    /// then cancels against the one the Transpose rule applies on the way to W, so no gradient is transposed.
    /// </summary>
    private static IR.Value SharedMatrixGrad(OpBuilder o, IR.Value a, IR.Value b, IR.Value g)
    {
        var shapeA = OpBuilder.StaticShape(a);
        var shapeG = OpBuilder.StaticShape(g);
        long rows = shapeA[..^1].Aggregate(1L, (x, y) => x * y);
        var a2 = o.Reshape(a, rows, shapeA[^1]);
        var g2 = o.Reshape(g, rows, shapeG[^1]);
        if (OpBuilder.SwappedLast2Source(b) is not null)
            return o.Transpose(o.MatMul(g2, a2, transA: true), 1, 0);
        return o.MatMul(a2, g2, transA: true);
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

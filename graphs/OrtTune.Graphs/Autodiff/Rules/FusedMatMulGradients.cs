using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// ORT's FusedMatMul: Y = α·A'·B' where A' swaps A's last two axes when transA (likewise B'), batch axes broadcast
/// as MatMul's. The backward products are FusedMatMuls too (the model imports com.microsoft, or it would not hold one).
/// </summary>
internal static class FusedMatMulGradients
{
    public static void FusedMatMul(GradientContext c)
    {
        if (c.GetInt("transBatchA", 0) != 0 || c.GetInt("transBatchB", 0) != 0)
            throw new NotSupportedException($"{c.Describe()}: transBatchA/transBatchB are not supported.");
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var a = c.Input(0);
        var b = c.Input(1);
        if (OpBuilder.Rank(a) < 2 || OpBuilder.Rank(b) < 2)
            throw new NotSupportedException($"{c.Describe()}: 1-D operands are not supported.");
        bool transA = c.GetInt("transA", 0) != 0, transB = c.GetInt("transB", 0) != 0;
        float alpha = c.Node.GetFloat("alpha", 1f);
        var a2 = Lift(o, a, g);
        var b2 = Lift(o, b, g);

        // As Gemm: dA' = α·g·B'ᵀ (dA = α·B'·gᵀ when transA); dB' = α·A'ᵀ·g (dB = α·gᵀ·A' when transB).
        if (c.NeedsGrad(0))
        {
            var ga = transA ? Product(o, b2, transB, g, true, alpha) : Product(o, g, false, b2, !transB, alpha);
            c.SetGrad(0, SumBatch(o, ga, a));
        }
        if (c.NeedsGrad(1))
        {
            var gb = transB ? Product(o, g, true, a2, transA, alpha) : Product(o, a2, !transA, g, false, alpha);
            c.SetGrad(1, SumBatch(o, gb, b));
        }
    }

    private static Value Product(OpBuilder o, Value x, bool transX, Value y, bool transY, float alpha) =>
        o.Multi("com.microsoft", "FusedMatMul", [x, y], 1,
            Attribute.Of("transA", transX ? 1L : 0L), Attribute.Of("transB", transY ? 1L : 0L), Attribute.Of("alpha", alpha))[0]!;

    /// <summary>Leading unit axes up to the output's rank, so that every product has operands of equal rank.</summary>
    private static Value Lift(OpBuilder o, Value x, Value like)
    {
        int missing = OpBuilder.Rank(like) - OpBuilder.Rank(x);
        return missing <= 0 ? x : o.Reshape(x, [.. Enumerable.Repeat(1L, missing), .. OpBuilder.StaticShape(x)]);
    }

    /// <summary>Sums a gradient over the batch axes its operand was broadcast along, back to the operand's shape.</summary>
    private static Value SumBatch(OpBuilder o, Value grad, Value operand)
    {
        var shape = OpBuilder.StaticShape(operand);
        int missing = OpBuilder.Rank(grad) - shape.Length;
        var padded = Enumerable.Repeat(1L, Math.Max(0, missing)).Concat(shape).ToArray();
        return o.Reshape(o.Unbroadcast(grad, padded), shape);
    }
}

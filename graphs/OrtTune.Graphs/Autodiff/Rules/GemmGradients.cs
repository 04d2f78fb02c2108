using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Gemm: Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A (likewise B'), C broadcast to [M, N]. The products are Gemm
/// nodes themselves, so transposes and α fold into them.
/// </summary>
internal static class GemmGradients
{
    public static void Gemm(GradientContext c)
    {
        var o = c.Ops;
        var a = c.Input(0);
        var b = c.Input(1);
        var g = c.OutputGrad(0)!;
        bool transA = c.GetInt("transA", 0) != 0, transB = c.GetInt("transB", 0) != 0;
        float alpha = c.Node.GetFloat("alpha", 1f), beta = c.Node.GetFloat("beta", 1f);

        // dA' = α·g·B'ᵀ; stored transposed when transA: dA = α·B'·gᵀ.
        if (c.NeedsGrad(0))
            c.SetGrad(0, transA ? Product(o, b, transB, g, true, alpha) : Product(o, g, false, b, !transB, alpha));
        // dB' = α·A'ᵀ·g; stored transposed when transB: dB = α·gᵀ·A'.
        if (c.NeedsGrad(1))
            c.SetGrad(1, transB ? Product(o, g, true, a, transA, alpha) : Product(o, a, !transA, g, false, alpha));
        if (c.OptionalInput(2) is { } bias && c.NeedsGrad(2))
        {
            var gc = beta == 1f ? g : o.Op("Mul", g, o.Scalar(beta, g.ElemType));
            c.SetGrad(2, o.Unbroadcast(gc, bias));
        }
    }

    private static Value Product(OpBuilder o, Value x, bool transX, Value y, bool transY, float alpha)
    {
        var attributes = new List<Attribute>();
        if (transX) attributes.Add(Attribute.Of("transA", 1L));
        if (transY) attributes.Add(Attribute.Of("transB", 1L));
        if (alpha != 1f) attributes.Add(Attribute.Of("alpha", alpha));
        return o.Op("Gemm", [x, y], attributes.ToArray());
    }
}

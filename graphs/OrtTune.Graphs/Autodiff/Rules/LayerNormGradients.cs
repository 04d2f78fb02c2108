namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// LayerNormalization-17 (X, Scale, B?; axis, epsilon → Y, Mean?, InvStdDev?) and SimplifiedLayerNormalization
/// (RMSNorm: X, scale → Y, InvStdVar?; ORT registers it in the default domain only). y = x̂ ⊙ scale (+ B).
/// </summary>
internal static class LayerNormGradients
{
    public static void LayerNormalization(GradientContext c) =>
        Normalize(c, centred: true, bias: c.OptionalInput(2), gMean: c.OutputGrad(1), gInvStd: c.OutputGrad(2));

    public static void SimplifiedLayerNormalization(GradientContext c) =>
        Normalize(c, centred: false, bias: null, gMean: null, gInvStd: c.OutputGrad(1));

    private static void Normalize(GradientContext c, bool centred, IR.Value? bias, IR.Value? gMean, IR.Value? gInvStd)
    {
        var o = c.Ops;
        var scale = c.Input(1);
        var g = c.OutputGrad(0);
        var norm = new NormalizationBackward(o, c.Input(0), c.GetInt("axis", -1), c.Node.GetFloat("epsilon", 1e-5f), centred);
        if (c.NeedsGrad(0) && norm.InputGrad(g is null ? null : o.Op("Mul", g, scale), gMean, gInvStd) is { } dx)
            c.SetGrad(0, dx);
        if (g is null) return;
        if (c.NeedsGrad(1)) c.SetGrad(1, o.Unbroadcast(o.Op("Mul", g, norm.XHat), scale));
        if (bias is not null && c.NeedsGrad(2)) c.SetGrad(2, o.Unbroadcast(g, bias));
    }
}

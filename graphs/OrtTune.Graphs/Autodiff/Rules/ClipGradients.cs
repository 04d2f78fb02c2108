using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Clip(x, min?, max?) with scalar bounds as inputs (Clip-11+). The gradient passes where min ≤ x ≤ max (bounds
/// included, as PyTorch's clamp); a bound that needs a gradient collects g where it clipped.
/// </summary>
internal static class ClipGradients
{
    public static void Clip(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var x = c.Input(0);
        var zero = o.Scalar(0, g.ElemType);
        // Within the bounds the output is the input itself, so one comparison covers both bounds.
        if (c.NeedsGrad(0)) c.SetGrad(0, o.Op("Where", o.Op("Equal", x, c.Output(0)), g, zero));
        Bound(c, 1, "Less", g, zero);
        Bound(c, 2, "Greater", g, zero);
    }

    private static void Bound(GradientContext c, int input, string beyond, Value g, Value zero)
    {
        if (c.OptionalInput(input) is not { } bound || !c.NeedsGrad(input)) return;
        var o = c.Ops;
        var clipped = o.Op("Where", o.Op(beyond, c.Input(0), bound), g, zero);
        c.SetGrad(input, o.Unbroadcast(clipped, bound));
    }
}

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Binary arithmetic with numpy broadcasting: each input's gradient is summed back to its own shape.</summary>
internal static class ArithmeticGradients
{
    public static void Add(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        if (c.NeedsGrad(0)) c.SetGrad(0, c.Ops.Unbroadcast(g, c.Input(0)));
        if (c.NeedsGrad(1)) c.SetGrad(1, c.Ops.Unbroadcast(g, c.Input(1)));
    }

    public static void Sub(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        if (c.NeedsGrad(0)) c.SetGrad(0, c.Ops.Unbroadcast(g, c.Input(0)));
        if (c.NeedsGrad(1)) c.SetGrad(1, c.Ops.Unbroadcast(c.Ops.Op("Neg", g), c.Input(1)));
    }

    /// <summary>d(a·b) = g·b for a, g·a for b.</summary>
    public static void Mul(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        if (c.NeedsGrad(0)) c.SetGrad(0, c.Ops.Unbroadcast(c.Ops.Op("Mul", g, c.Input(1)), c.Input(0)));
        if (c.NeedsGrad(1)) c.SetGrad(1, c.Ops.Unbroadcast(c.Ops.Op("Mul", g, c.Input(0)), c.Input(1)));
    }

    /// <summary>d(a/b) = g/b for a; −g·a/b² = −g·y/b for b (reusing the output y = a/b).</summary>
    public static void Div(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        var gOverB = c.Ops.Op("Div", g, c.Input(1));
        if (c.NeedsGrad(0)) c.SetGrad(0, c.Ops.Unbroadcast(gOverB, c.Input(0)));
        if (c.NeedsGrad(1)) c.SetGrad(1, c.Ops.Unbroadcast(c.Ops.Op("Neg", c.Ops.Op("Mul", gOverB, c.Output(0))), c.Input(1)));
    }

    public static void Neg(GradientContext c) => c.SetGrad(0, c.Ops.Op("Neg", c.OutputGrad(0)!));
}

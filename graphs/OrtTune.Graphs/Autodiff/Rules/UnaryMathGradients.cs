namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Element-wise functions of one input. Where the output gives the derivative cheaply, the rule reads it instead of the input.</summary>
internal static class UnaryMathGradients
{
    /// <summary>y = √x: dx = g / (2y).</summary>
    public static void Sqrt(GradientContext c)
    {
        var y = c.Output(0);
        c.SetGrad(0, c.Ops.Op("Div", c.OutputGrad(0)!, c.Ops.Op("Add", y, y)));
    }

    /// <summary>y = 1/x: dx = −g·y².</summary>
    public static void Reciprocal(GradientContext c)
    {
        var o = c.Ops;
        var y = c.Output(0);
        c.SetGrad(0, o.Op("Neg", o.Op("Mul", c.OutputGrad(0)!, o.Op("Mul", y, y))));
    }

    /// <summary>y = eˣ: dx = g·y.</summary>
    public static void Exp(GradientContext c) => c.SetGrad(0, c.Ops.Op("Mul", c.OutputGrad(0)!, c.Output(0)));

    /// <summary>y = ln x: dx = g / x.</summary>
    public static void Log(GradientContext c) => c.SetGrad(0, c.Ops.Op("Div", c.OutputGrad(0)!, c.Input(0)));

    /// <summary>y = |x|: dx = g·sign(x), 0 at x = 0 (as PyTorch).</summary>
    public static void Abs(GradientContext c) => c.SetGrad(0, c.Ops.Op("Mul", c.OutputGrad(0)!, c.Ops.Op("Sign", c.Input(0))));

    /// <summary>y = erf x: dx = g·(2/√π)·e^(−x²).</summary>
    public static void Erf(GradientContext c)
    {
        var o = c.Ops;
        var x = c.Input(0);
        var bell = o.Op("Exp", o.Op("Neg", o.Op("Mul", x, x)));
        var slope = o.Op("Mul", bell, o.Scalar(2 / Math.Sqrt(Math.PI), x.ElemType));
        c.SetGrad(0, o.Op("Mul", c.OutputGrad(0)!, slope));
    }
}

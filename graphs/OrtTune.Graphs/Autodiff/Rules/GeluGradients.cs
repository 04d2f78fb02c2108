using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// GELU in its forms: ONNX Gelu-20 (approximate "none" or "tanh") and ORT's Gelu, BiasGelu (Gelu(a + b)),
/// FastGelu (tanh form, optional bias) and QuickGelu (x·σ(αx)). The derivative is rebuilt from the input.
/// </summary>
internal static class GeluGradients
{
    private const double TanhCubic = 0.044715;

    public static void Gelu(GradientContext c)
    {
        bool tanh = c.Node.GetString("approximate", "none") switch
        {
            "none" => false,
            "tanh" => true,
            var other => throw new NotSupportedException($"{c.Describe()}: unknown approximate mode '{other}'."),
        };
        c.SetGrad(0, c.Ops.Op("Mul", c.OutputGrad(0)!, Slope(c.Ops, c.Input(0), tanh)));
    }

    /// <summary>com.microsoft Gelu: the exact (erf) form.</summary>
    public static void ContribGelu(GradientContext c) =>
        c.SetGrad(0, c.Ops.Op("Mul", c.OutputGrad(0)!, Slope(c.Ops, c.Input(0), tanh: false)));

    /// <summary>BiasGelu(a, b) = Gelu(a + b): both inputs get dz, b summed back to its (bias) shape.</summary>
    public static void BiasGelu(GradientContext c) => WithBias(c, c.Input(1), tanh: false);

    /// <summary>FastGelu(x, bias?) = tanh-form Gelu(x + bias).</summary>
    public static void FastGelu(GradientContext c) => WithBias(c, c.OptionalInput(1), tanh: true);

    /// <summary>y = x·s with s = σ(αx): dy/dx = s·(1 + αx·(1 − s)).</summary>
    public static void QuickGelu(GradientContext c)
    {
        var o = c.Ops;
        var x = c.Input(0);
        var type = x.ElemType;
        var ax = o.Op("Mul", x, o.Scalar(c.Node.GetFloat("alpha", 1.702f), type));
        var s = o.Op("Sigmoid", ax);
        var slope = o.Op("Mul", s, o.Op("Add", o.Scalar(1, type), o.Op("Mul", ax, o.Op("Sub", o.Scalar(1, type), s))));
        c.SetGrad(0, o.Op("Mul", c.OutputGrad(0)!, slope));
    }

    private static void WithBias(GradientContext c, Value? bias, bool tanh)
    {
        var o = c.Ops;
        var x = c.Input(0);
        var z = bias is null ? x : o.Op("Add", x, bias);
        var dz = o.Op("Mul", c.OutputGrad(0)!, Slope(o, z, tanh));
        if (c.NeedsGrad(0)) c.SetGrad(0, o.Unbroadcast(dz, x));
        if (bias is not null && c.NeedsGrad(1)) c.SetGrad(1, o.Unbroadcast(dz, bias));
    }

    /// <summary>
    /// d Gelu / dx. Exact: Φ(x) + x·φ(x) with Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π).
    /// Tanh form, t = tanh(k(x + c·x³)), k = √(2/π): ½(1 + t) + ½x·(1 − t²)·k·(1 + 3c·x²).
    /// </summary>
    internal static Value Slope(OpBuilder o, Value x, bool tanh)
    {
        var type = x.ElemType;
        Value S(double v) => o.Scalar(v, type);
        var x2 = o.Op("Mul", x, x);
        if (!tanh)
        {
            var cdf = o.Op("Mul", o.Op("Add", o.Op("Erf", o.Op("Mul", x, S(1 / Math.Sqrt(2)))), S(1)), S(0.5));
            var pdf = o.Op("Mul", o.Op("Exp", o.Op("Mul", x2, S(-0.5))), S(1 / Math.Sqrt(2 * Math.PI)));
            return o.Op("Add", cdf, o.Op("Mul", x, pdf));
        }
        double k = Math.Sqrt(2 / Math.PI);
        // k(x + c·x³) = x·(k + kc·x²)
        var t = o.Op("Tanh", o.Op("Mul", x, o.Op("Add", o.Op("Mul", x2, S(k * TanhCubic)), S(k))));
        var half = o.Op("Mul", o.Op("Add", t, S(1)), S(0.5));
        var sech2 = o.Op("Sub", S(1), o.Op("Mul", t, t));
        var inner = o.Op("Add", o.Op("Mul", x2, S(k * 3 * TanhCubic * 0.5)), S(k * 0.5)); // ½k(1 + 3c·x²)
        return o.Op("Add", half, o.Op("Mul", o.Op("Mul", x, sech2), inner));
    }
}

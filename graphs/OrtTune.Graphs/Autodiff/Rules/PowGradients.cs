using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// y = aᵇ with broadcasting; the exponent may have another type than the base (Pow-12+). A constant exponent that
/// is one number (the usual x², √x, x³ of transformer maths) gets a short form.
/// </summary>
internal static class PowGradients
{
    public static void Pow(GradientContext c)
    {
        var o = c.Ops;
        var a = c.Input(0);
        var b = c.Input(1);
        var y = c.Output(0);
        var g = c.OutputGrad(0)!;
        var type = a.ElemType;

        if (c.NeedsGrad(0) && BaseGrad(o, a, b, y, g) is { } ga) c.SetGrad(0, o.Unbroadcast(ga, a));
        if (c.NeedsGrad(1))
        {
            // d/db aᵇ = y·ln a. At a = 0 that is 0·(−∞) = NaN, while the true limit (b > 0) is 0: mask it (as PyTorch).
            var slope = o.Op("Mul", o.Op("Mul", g, y), o.Op("Log", a));
            var zero = o.Scalar(0, type);
            var gb = o.Op("Where", o.Op("Equal", a, zero), zero, slope);
            if (b.ElemType != type) gb = o.Op("Cast", [gb], Attribute.Of("to", (long)b.ElemType));
            c.SetGrad(1, o.Unbroadcast(gb, b));
        }
    }

    /// <summary>g·b·a^(b−1) (before unbroadcasting), or null when the exponent is the constant 0.</summary>
    private static Value? BaseGrad(OpBuilder o, Value a, Value b, Value y, Value g)
    {
        var type = a.ElemType;
        if (Uniform(b) is { } k)
        {
            return k switch
            {
                0 => null,
                1 => g,
                2 => o.Op("Mul", g, o.Op("Add", a, a)),
                0.5 => o.Op("Div", g, o.Op("Add", y, y)), // ½·a^(−½) = 1/(2y)
                _ => o.Op("Mul", g, o.Op("Mul", o.Op("Pow", a, o.Scalar(k - 1, type)), o.Scalar(k, type))),
            };
        }
        var exponent = o.Cast(b, type);
        var power = o.Op("Pow", a, o.Op("Sub", exponent, o.Scalar(1, type)));
        return o.Op("Mul", g, o.Op("Mul", power, exponent));
    }

    /// <summary>The exponent's value when it is a constant whose elements are all the same number.</summary>
    private static double? Uniform(Value b)
    {
        if (GradientContext.ConstantValue(b) is not { } t || TensorNumbers.ToDoubles(t) is not { Length: > 0 } values) return null;
        return values.All(v => v == values[0]) ? values[0] : null;
    }
}

using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Cast between floating-point types: the gradient is cast back to the input's type. Casts to or from integers
/// and bools carry no gradient, so they never reach this rule (GradientFlow stops at non-float values).
/// </summary>
internal static class CastGradients
{
    public static void Cast(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        var to = c.Input(0).ElemType;
        c.SetGrad(0, c.Ops.Cast(g, to));
    }
}

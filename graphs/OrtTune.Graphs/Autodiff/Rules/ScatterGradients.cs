using OrtTune.Graphs.Diagnostics;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// ScatterND and ScatterElements, reduction "none" or "add". With "none" the written positions no longer depend on
/// the data, so the data's gradient is the output gradient with those positions zeroed (scatter zeros there);
/// with "add" every position still passes the data through. Either way each update's gradient is the output
/// gradient at the position it went to (the matching gather).
/// </summary>
internal static class ScatterGradients
{
    public static void ScatterND(GradientContext c) => Scatter(c, "ScatterND", "GatherND", []);

    public static void ScatterElements(GradientContext c) =>
        Scatter(c, "ScatterElements", "GatherElements", [Attribute.Of("axis", c.GetInt("axis", 0))]);

    private static void Scatter(GradientContext c, string scatter, string gather, Attribute[] axis)
    {
        var reduction = c.Node.GetString("reduction", "none");
        if (reduction is not ("none" or "add"))
            throw new OrtTuneException($"No {c.Describe()} with reduction '{reduction}': only 'none' and 'add' have a gradient rule.");
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var indices = c.Input(1);
        if (c.NeedsGrad(0))
            c.SetGrad(0, reduction == "add" ? g : o.Op(scatter, [g, indices, o.ZerosLike(c.Input(2))], axis));
        if (c.NeedsGrad(2))
            c.SetGrad(2, o.Op(gather, [g, indices], axis));
    }
}

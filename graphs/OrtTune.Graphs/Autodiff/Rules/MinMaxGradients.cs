using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Element-wise Max and Min over any number of broadcast inputs. The gradient goes to the inputs equal to the
/// result; on a tie it is split evenly among them (as PyTorch's maximum/minimum do for two inputs), so the
/// inputs' gradients always add up to g.
/// </summary>
internal static class MinMaxGradients
{
    public static void Max(GradientContext c) => Select(c);

    public static void Min(GradientContext c) => Select(c);

    private static void Select(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        int n = c.Node.Inputs.Count;
        if (n == 1)
        {
            c.SetGrad(0, g);
            return;
        }
        var y = c.Output(0);
        var hits = new Value[n];
        for (int i = 0; i < n; i++)
            hits[i] = o.Op("Cast", [o.Op("Equal", c.Input(i), y)], Attribute.Of("to", (long)y.ElemType));
        var share = o.Op("Div", g, o.Sum(hits)); // every position has at least one hit
        for (int i = 0; i < n; i++)
            if (c.NeedsGrad(i)) c.SetGrad(i, o.Unbroadcast(o.Op("Mul", share, hits[i]), c.Input(i)));
    }
}

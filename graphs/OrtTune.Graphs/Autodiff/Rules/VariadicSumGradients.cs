namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Sum and Mean of any number of broadcast inputs: each input gets g (Mean: g/n) summed back to its shape.</summary>
internal static class VariadicSumGradients
{
    public static void Sum(GradientContext c) => Spread(c, c.OutputGrad(0)!);

    public static void Mean(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        int n = c.Node.Inputs.Count;
        Spread(c, n == 1 ? g : c.Ops.Op("Div", g, c.Ops.Scalar(n, g.ElemType)));
    }

    private static void Spread(GradientContext c, IR.Value g)
    {
        for (int i = 0; i < c.Node.Inputs.Count; i++)
            if (c.NeedsGrad(i)) c.SetGrad(i, c.Ops.Unbroadcast(g, c.Input(i)));
    }
}

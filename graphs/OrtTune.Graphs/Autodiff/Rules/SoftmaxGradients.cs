namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Softmax and LogSoftmax, from the forward output alone. Opset 13+ normalises along one axis (default −1);
/// earlier opsets flatten the axes from 'axis' (default 1) on, which is the same maths over several axes.
/// </summary>
internal static class SoftmaxGradients
{
    /// <summary>dx = y ⊙ (g − Σ g⊙y).</summary>
    public static void Softmax(GradientContext c)
    {
        var o = c.Ops;
        var y = c.Output(0);
        var gy = o.Op("Mul", c.OutputGrad(0)!, y);
        c.SetGrad(0, o.Op("Sub", gy, o.Op("Mul", y, o.ReduceSum(gy, Axes(c), keepDims: true))));
    }

    /// <summary>y = x − logΣeˣ: dx = g − eʸ ⊙ Σ g.</summary>
    public static void LogSoftmax(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var total = o.ReduceSum(g, Axes(c), keepDims: true);
        c.SetGrad(0, o.Op("Sub", g, o.Op("Mul", o.Op("Exp", c.Output(0)), total)));
    }

    private static long[] Axes(GradientContext c)
    {
        int rank = OpBuilder.Rank(c.Input(0));
        long axis = GradientContext.Axis(c.GetInt("axis", c.Opset >= 13 ? -1 : 1), rank);
        return c.Opset >= 13 ? [axis] : Enumerable.Range((int)axis, rank - (int)axis).Select(a => (long)a).ToArray();
    }
}

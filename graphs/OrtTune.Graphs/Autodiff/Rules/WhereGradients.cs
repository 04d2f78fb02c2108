namespace OrtTune.Graphs.Autodiff.Rules;

internal static class WhereGradients
{
    /// <summary>
    /// y = where(cond, x, z): the gradient goes to x where cond holds and to z elsewhere, each summed back over the
    /// axes it was broadcast along. cond is boolean and carries none.
    /// </summary>
    public static void Where(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var cond = c.Input(0);
        var zero = o.Scalar(0, g.ElemType);
        if (c.NeedsGrad(1)) c.SetGrad(1, o.Unbroadcast(o.Op("Where", cond, g, zero), c.Input(1)));
        if (c.NeedsGrad(2)) c.SetGrad(2, o.Unbroadcast(o.Op("Where", cond, zero, g), c.Input(2)));
    }
}

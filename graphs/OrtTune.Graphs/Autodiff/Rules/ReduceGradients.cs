using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Sum and mean reductions: the output gradient is spread back over the reduced axes.</summary>
internal static class ReduceGradients
{
    public static void ReduceSum(GradientContext c) => c.SetGrad(0, Spread(c, out _));

    public static void ReduceMean(GradientContext c)
    {
        var spread = Spread(c, out long count);
        c.SetGrad(0, c.Ops.Op("Div", spread, c.Ops.Scalar(count, c.Input(0).ElemType)));
    }

    /// <summary>The output gradient expanded to the input's shape; <paramref name="count"/> = elements reduced into each output.</summary>
    private static Value Spread(GradientContext c, out long count)
    {
        var input = c.Shape(c.Input(0));
        var axes = ReducedAxes(c, input.Length);
        count = axes.Aggregate(1L, (n, a) => n * input[a]);
        var g = c.OutputGrad(0)!;
        // Put the reduced axes back as size 1 (keepdims=0 dropped them), then broadcast.
        var kept = input.Select((d, i) => axes.Contains(i) ? 1L : d).ToArray();
        return c.Ops.Expand(c.Ops.Reshape(g, kept), input);
    }

    /// <summary>The axes reduced, from the axes input (ReduceSum ≥13, others ≥18) or attribute; none given means all.</summary>
    private static HashSet<long> ReducedAxes(GradientContext c, int rank)
    {
        long[]? axes = c.Node.GetInts("axes");
        if (c.ConstantInts(1) is { } fromInput) axes = fromInput;
        if (axes is null || axes.Length == 0)
        {
            if (c.GetInt("noop_with_empty_axes", 0) == 1) return [];
            return Enumerable.Range(0, rank).Select(i => (long)i).ToHashSet();
        }
        return axes.Select(a => GradientContext.Axis(a, rank)).ToHashSet();
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// Reduce* (axes an attribute, or an input from opset 13 for ReduceSum and 18 for the others; keepdims;
/// noop_with_empty_axes) and ArgMax/ArgMin (one axis, int64 indices).
/// </summary>
internal static class ReduceRules
{
    public static void Reduce(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        bool keep = ctx.GetInt("keepdims", 1) != 0;
        long inputFormSince = ctx.Node.OpType == "ReduceSum" ? 13 : 18;
        long[]? axes;
        if (ctx.Opset >= inputFormSince && ctx.HasInput(1))
        {
            axes = ctx.KnownInts(1);
            if (axes is null)
            {
                // Unknown axes: with keepdims the rank stays; without it the rank drops by the number of axes.
                int? count = ctx.InputShape(1) is [{ Value: long n }] ? (int)n : null;
                ctx.SetOutput(0, elem, data is null ? null
                    : keep ? Enumerable.Repeat(Dim.Unknown, data.Rank)
                    : count is int c ? Enumerable.Repeat(Dim.Unknown, data.Rank - c) : null);
                ctx.NoteUnknown("the reduction axes are not known");
                return;
            }
        }
        else axes = ctx.GetInts("axes");
        if (data is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        if (axes is null || axes.Length == 0)
        {
            // No axes: reduce everything, unless noop_with_empty_axes makes it the identity.
            if (ctx.GetInt("noop_with_empty_axes", 0) != 0)
            {
                ctx.SetOutput(0, ctx.InputType(0));
                return;
            }
            axes = Enumerable.Range(0, data.Rank).Select(i => (long)i).ToArray();
        }
        var reduced = ctx.Axes(axes, data.Rank);
        ctx.SetOutput(0, elem, Reduced(data, reduced, keep));
    }

    public static void ArgMinMax(InferenceContext ctx)
    {
        var data = ctx.InputShape(0);
        if (data is null)
        {
            ctx.SetOutput(0, DataType.Int64, null);
            return;
        }
        int axis = ctx.Axis(ctx.GetInt("axis", 0), data.Rank);
        ctx.SetOutput(0, DataType.Int64, Reduced(data, [axis], ctx.GetInt("keepdims", 1) != 0));
    }

    private static IEnumerable<Dim> Reduced(Shape data, int[] axes, bool keep)
    {
        for (int i = 0; i < data.Rank; i++)
        {
            if (!axes.Contains(i)) yield return data[i];
            else if (keep) yield return Dim.Known(1);
        }
    }
}

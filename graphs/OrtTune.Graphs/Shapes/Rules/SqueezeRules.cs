using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Unsqueeze and Squeeze: axes are an attribute before opset 13 and an input from 13 on.</summary>
internal static class SqueezeRules
{
    /// <summary>The axes, or null when they are an input whose value is not known.</summary>
    private static long[]? Axes(InferenceContext ctx, out bool given)
    {
        if (ctx.Opset >= 13 && ctx.HasInput(1))
        {
            given = true;
            return ctx.KnownInts(1);
        }
        var attr = ctx.GetInts("axes");
        given = attr is not null;
        return attr ?? [];
    }

    public static void Unsqueeze(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        var axes = Axes(ctx, out bool given);
        if (!given) throw ctx.Error("Unsqueeze needs axes.");
        if (data is null || axes is null)
        {
            ctx.SetOutput(0, elem, null);
            ctx.NoteUnknown("the axes are not known");
            return;
        }
        int rank = data.Rank + axes.Length;
        var inserted = ctx.Axes(axes, rank);
        var dims = new Dim[rank];
        for (int i = 0, j = 0; i < rank; i++)
            dims[i] = inserted.Contains(i) ? Dim.Known(1) : data[j++];
        ctx.SetOutput(0, elem, dims);
        if (rank <= 1 && ctx.ShapeValue(0) is { } value) ctx.SetShapeValue(0, value);
    }

    public static void Squeeze(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        var axes = Axes(ctx, out bool given);
        if (data is null || axes is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        int[] removed;
        if (given)
        {
            removed = ctx.Axes(axes, data.Rank);
            foreach (int a in removed)
                if (data[a].IsKnown && data[a].Value != 1) throw ctx.Error($"cannot squeeze axis {a} of size {data[a]}.");
        }
        else
        {
            // Without axes every size-1 dim goes; a dim whose size is not known could be 1, so the rank is unknown.
            if (data.Any(d => !d.IsKnown))
            {
                ctx.SetOutput(0, elem, null);
                ctx.NoteUnknown("Squeeze without axes on a shape with dims that are not known");
                return;
            }
            removed = Enumerable.Range(0, data.Rank).Where(i => data[i].Value == 1).ToArray();
        }
        var dims = data.Where((_, i) => !removed.Contains(i)).ToArray();
        ctx.SetOutput(0, elem, dims);
        if (dims.Length <= 1 && ctx.ShapeValue(0) is { } value) ctx.SetShapeValue(0, value);
    }
}

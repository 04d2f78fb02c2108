using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>OneHot(indices, depth, values): a new axis of size depth, elements of the values' type.</summary>
internal static class OneHotRules
{
    public static void OneHot(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(2);
        if (ctx.InputShape(0) is not { } indices)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        int rank = indices.Rank + 1;
        int axis = ctx.Axis(ctx.GetInt("axis", -1), rank);
        var depth = ctx.KnownDoubles(1) is [var d] ? Dim.Known((long)d) : Dim.Unknown;
        if (!depth.IsKnown) ctx.NoteUnknown("the depth is not known");
        var dims = indices.ToList();
        dims.Insert(axis, depth);
        ctx.SetOutput(0, elem, dims);
    }
}

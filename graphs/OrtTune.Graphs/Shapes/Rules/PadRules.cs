using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Pad: each padded dim grows by its begin and end pads (attribute before opset 11, input after; axes from 18).</summary>
internal static class PadRules
{
    public static void Pad(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        if (ctx.InputShape(0) is not { } data)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        long[]? pads = ctx.Opset < 11 ? ctx.GetInts("pads") ?? ctx.GetInts("paddings") : ctx.KnownInts(1);
        int[] axes = Enumerable.Range(0, data.Rank).ToArray();
        if (ctx.Opset >= 18 && ctx.HasInput(3))
        {
            if (ctx.KnownInts(3) is not { } given) pads = null;
            else axes = ctx.Axes(given, data.Rank);
        }
        if (pads is null)
        {
            ctx.SetOutput(0, elem, Enumerable.Repeat(Dim.Unknown, data.Rank));
            ctx.NoteUnknown("the pads are not known");
            return;
        }
        if (pads.Length != 2 * axes.Length) throw ctx.Error($"{pads.Length} pads for {axes.Length} axes.");
        var dims = data.ToList();
        for (int k = 0; k < axes.Length; k++)
        {
            int a = axes[k];
            long grow = pads[k] + pads[k + axes.Length];
            if (dims[a].Value is long size)
                dims[a] = size + grow >= 0 ? Dim.Known(size + grow) : throw ctx.Error($"pads shrink dimension {a} of size {size} below zero.");
            else if (grow != 0) dims[a] = Dim.Unknown;
        }
        ctx.SetOutput(0, elem, dims);
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Expand and Tile: the output size comes from a shape-valued input.</summary>
internal static class ExpandRules
{
    public static void Expand(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        if (ctx.ShapeValue(1) is not { } target)
        {
            ctx.SetOutput(0, elem, null);
            ctx.NoteUnknown("the Expand target is not known");
            return;
        }
        var dims = new Dim[target.Length];
        for (int i = 0; i < target.Length; i++)
            dims[i] = target[i].Value < 0 ? throw ctx.Error($"target dimension {target[i]} is negative.") : target[i].ToDim();
        ctx.SetOutput(0, elem, DimAlgebra.Broadcast([data, new Shape(dims)], ctx));
    }

    public static void Tile(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        if (data is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        if (ctx.ShapeValue(1) is not { } repeats)
        {
            ctx.SetOutput(0, elem, Enumerable.Repeat(Dim.Unknown, data.Rank));
            ctx.NoteUnknown("the Tile repeats are not known");
            return;
        }
        if (repeats.Length != data.Rank) throw ctx.Error($"{repeats.Length} repeats for an input of rank {data.Rank}.");
        ctx.SetOutput(0, elem, data.Select((d, i) => DimAlgebra.Multiply(d, repeats[i].ToDim())));
    }
}

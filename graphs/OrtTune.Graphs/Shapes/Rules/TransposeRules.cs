using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Transpose: output dim i is input dim perm[i]; perm defaults to reversing the axes.</summary>
internal static class TransposeRules
{
    public static void Transpose(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        if (ctx.InputShape(0) is not { } data)
        {
            ctx.SetOutput(0, elem, ctx.GetInts("perm") is { } p ? Enumerable.Repeat(Dim.Unknown, p.Length) : null);
            return;
        }
        var perm = ctx.GetInts("perm") ?? Enumerable.Range(0, data.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != data.Rank) throw ctx.Error($"perm has {perm.Length} entries for an input of rank {data.Rank}.");
        var axes = ctx.Axes(perm, data.Rank, "perm");
        ctx.SetOutput(0, elem, axes.Select(a => data[a]));
    }
}

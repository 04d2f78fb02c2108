using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Concat: sizes add up along the axis, every other dim must agree.</summary>
internal static class ConcatRules
{
    public static void Concat(InferenceContext ctx)
    {
        var inputs = Enumerable.Range(0, ctx.InputCount).Where(ctx.HasInput).ToList();
        if (inputs.Count == 0) throw ctx.Error("Concat needs at least one input.");
        var elem = inputs.Select(ctx.InputElemType).FirstOrDefault(t => t != DataType.Undefined);
        var shapes = inputs.Select(ctx.InputShape).ToList();
        var ranked = shapes.Where(s => s is not null).Select(s => s!).ToList();
        if (ranked.Count == 0)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        int rank = ranked[0].Rank;
        foreach (var s in ranked)
            if (s.Rank != rank) throw ctx.Error($"inputs have different ranks ({ranked[0]} and {s}).");
        if (rank == 0) throw ctx.Error("cannot concatenate scalars.");
        int axis = ctx.Axis(ctx.GetInt("axis", 0), rank);

        var dims = new Dim[rank];
        for (int d = 0; d < rank; d++)
        {
            if (d == axis)
                dims[d] = shapes.Any(s => s is null) ? Dim.Unknown : DimAlgebra.Sum(ranked.Select(s => s[d]));
            else
                dims[d] = ranked.Select(s => s[d]).Aggregate((a, b) => DimAlgebra.Unify(a, b, ctx, $"dimension {d}"));
        }
        ctx.SetOutput(0, elem, dims);

        // Concatenated shape values: [batch] ++ [seq] ++ [-1] ++ [8].
        if (rank == 1)
        {
            var parts = inputs.Select(ctx.ShapeValue).ToList();
            if (parts.All(p => p is not null)) ctx.SetShapeValue(0, parts.SelectMany(p => p!).ToArray());
        }
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Gather, GatherElements, GatherND.</summary>
internal static class GatherRules
{
    public static void Gather(InferenceContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        var elem = ctx.InputElemType(0);
        if (data is null || indices is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        if (data.Rank == 0) throw ctx.Error("data must have rank 1 or more.");
        int axis = ctx.Axis(ctx.GetInt("axis", 0), data.Rank);
        var dims = data.Take(axis).Concat(indices).Concat(data.Skip(axis + 1)).ToArray();
        ctx.SetOutput(0, elem, dims);

        // Picking dims out of a shape value (Gather(Shape(x), 1) = seq).
        if (data.Rank == 1 && indices.Rank <= 1 && ctx.ShapeValue(0) is { } values && ctx.KnownInts(1) is { } picks)
        {
            var picked = new SymbolicInt[picks.Length];
            for (int i = 0; i < picks.Length; i++)
            {
                long k = picks[i] < 0 ? picks[i] + values.Length : picks[i];
                if (k < 0 || k >= values.Length) throw ctx.Error($"index {picks[i]} is out of range for {values.Length} elements.");
                picked[i] = values[k];
            }
            ctx.SetShapeValue(0, picked);
        }
    }

    public static void GatherElements(InferenceContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        if (data is not null && indices is not null)
        {
            if (data.Rank != indices.Rank) throw ctx.Error($"data rank {data.Rank} and indices rank {indices.Rank} differ.");
            ctx.Axis(ctx.GetInt("axis", 0), data.Rank);
        }
        ctx.SetOutput(0, ctx.InputElemType(0), indices);
    }

    public static void GatherND(InferenceContext ctx)
    {
        var data = ctx.InputShape(0);
        var indices = ctx.InputShape(1);
        var elem = ctx.InputElemType(0);
        int batch = (int)ctx.GetInt("batch_dims", 0);
        if (data is null || indices is null || indices.Rank == 0 || indices[^1].Value is not long last)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        if (batch + last > data.Rank) throw ctx.Error($"indices address {last} dims after {batch} batch dims of a rank {data.Rank} tensor.");
        var dims = indices.Take(indices.Rank - 1).Concat(data.Skip(batch + (int)last));
        ctx.SetOutput(0, elem, dims);
    }
}

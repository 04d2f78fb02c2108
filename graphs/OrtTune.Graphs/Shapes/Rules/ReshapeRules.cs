using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Reshape (0 copies a dim unless allowzero, -1 is solved, symbolically too) and Flatten.</summary>
internal static class ReshapeRules
{
    public static void Reshape(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        var target = ctx.ShapeValue(1);
        if (target is null)
        {
            // Only the target's length is known: that is the output rank.
            ctx.SetOutput(0, elem, ctx.InputShape(1) is [{ Value: long n }] ? Enumerable.Repeat(Dim.Unknown, (int)n) : null);
            ctx.NoteUnknown("the Reshape target is not known");
            return;
        }
        bool allowZero = ctx.Opset >= 14 && ctx.GetInt("allowzero", 0) != 0;
        var dims = new Dim[target.Length];
        int solve = -1;
        for (int i = 0; i < target.Length; i++)
        {
            var t = target[i];
            if (t.Value == -1)
            {
                if (solve >= 0) throw ctx.Error("the target has more than one -1.");
                solve = i;
                dims[i] = Dim.Unknown;
            }
            else if (t.Value < -1) throw ctx.Error($"target dimension {t} is invalid.");
            else if (t.Value == 0 && !allowZero)
            {
                if (data is not null && i >= data.Rank) throw ctx.Error($"target dimension {i} is 0 (copy) but the input has rank {data.Rank}.");
                dims[i] = data is null ? Dim.Unknown : data[i];
            }
            else dims[i] = t.ToDim();
        }
        // A single dim left unknown (the -1, or an element whose value was not known) follows from the element count.
        if (solve < 0)
        {
            var unknown = Enumerable.Range(0, dims.Length).Where(i => !dims[i].IsKnown && !dims[i].IsSymbolic).ToList();
            if (unknown.Count == 1) solve = unknown[0];
        }
        if (data is not null)
        {
            if (solve >= 0)
                dims[solve] = DimAlgebra.Quotient(data, dims.Where((_, i) => i != solve), ctx);
            else if (data.ElementCount is long a && new Shape(dims).ElementCount is long b && a != b)
                throw ctx.Error($"cannot reshape {data} ({a} elements) into {new Shape(dims)} ({b} elements).");
        }
        ctx.SetOutput(0, elem, dims);
        if (dims.Length <= 1 && ctx.ShapeValue(0) is { } value && value.Length == (dims.Length == 0 ? 1 : dims[0].Value))
            ctx.SetShapeValue(0, value);
    }

    public static void Flatten(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        if (ctx.InputShape(0) is not { } data)
        {
            ctx.SetOutput(0, elem, [Dim.Unknown, Dim.Unknown]);
            return;
        }
        long axis = ctx.GetInt("axis", 1);
        if (axis < 0) axis += data.Rank;
        if (axis < 0 || axis > data.Rank) throw ctx.Error($"axis {ctx.GetInt("axis", 1)} is out of range for rank {data.Rank}.");
        ctx.SetOutput(0, elem, [DimAlgebra.Product(data.Take((int)axis)), DimAlgebra.Product(data.Skip((int)axis))]);
    }
}

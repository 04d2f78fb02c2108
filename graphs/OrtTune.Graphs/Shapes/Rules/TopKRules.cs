using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>TopK: values and int64 indices, the axis cut to K (an attribute before opset 10, an input after).</summary>
internal static class TopKRules
{
    public static void TopK(InferenceContext ctx)
    {
        var data = ctx.InputShape(0);
        var elem = ctx.InputElemType(0);
        Shape? shape = null;
        if (data is not null)
        {
            int axis = ctx.Axis(ctx.GetInt("axis", -1), data.Rank);
            Dim k = Dim.Unknown;
            if (ctx.Opset < 10) k = Dim.Known(ctx.GetInt("k", 0));
            else if (ctx.ShapeValue(1) is [var kv]) k = kv.ToDim();
            else ctx.NoteUnknown("K is not known");
            if (k.Value is long kk && data[axis].Value is long size && kk > size)
                throw ctx.Error($"K = {kk} exceeds dimension {axis} of size {size}.");
            shape = data.WithDim(axis, k);
        }
        ctx.SetOutput(0, elem, shape);
        ctx.SetOutput(1, DataType.Int64, shape);
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// Cast and CastLike, and DequantizeLinear (a cast to the scale's type). Shape values survive a cast between numeric
/// types (they are whole numbers).
/// </summary>
internal static class CastRules
{
    public static void Cast(InferenceContext ctx)
    {
        var to = (DataType)(ctx.Attr("to")?.AsInt() ?? throw ctx.Error("Cast has no 'to' attribute."));
        Finish(ctx, to);
    }

    public static void CastLike(InferenceContext ctx) => Finish(ctx, ctx.InputElemType(1));

    public static void DequantizeLinear(InferenceContext ctx) => ctx.SetOutput(0, ctx.InputElemType(1), ctx.InputShape(0));

    private static void Finish(InferenceContext ctx, DataType to)
    {
        ctx.SetOutput(0, to, ctx.InputShape(0));
        if (ctx.InputRank(0) is <= 1 && TensorNumbers.IsNumeric(to) && to != DataType.Bool && ctx.ShapeValue(0) is { } value)
            ctx.SetShapeValue(0, value);
    }
}

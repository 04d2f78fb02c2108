using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Shape and Size: their values are the input's dims, so they start every symbolic shape chain.</summary>
internal static class ShapeOfRules
{
    public static void Shape(InferenceContext ctx)
    {
        if (ctx.InputShape(0) is not { } shape)
        {
            ctx.SetOutput(0, DataType.Int64, [Dim.Unknown]);
            return;
        }
        int rank = shape.Rank;
        int start = 0, end = rank;
        if (ctx.Opset >= 15)
        {
            // start/end clamp like Python slicing.
            start = Clamp(ctx.GetInt("start", 0), rank);
            end = Clamp(ctx.GetInt("end", rank), rank);
        }
        int length = Math.Max(end - start, 0);
        ctx.SetOutput(0, DataType.Int64, [Dim.Known(length)]);
        ctx.SetShapeValue(0, shape.Skip(start).Take(length).Select(SymbolicInt.FromDim).ToArray());
    }

    private static int Clamp(long index, int rank) => (int)Math.Clamp(index < 0 ? index + rank : index, 0, rank);

    public static void Size(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.Int64, IR.Shape.Scalar);
        if (ctx.InputShape(0) is { } shape)
            ctx.SetShapeValue(0, [SymbolicInt.FromDim(DimAlgebra.Product(shape))]);
    }
}

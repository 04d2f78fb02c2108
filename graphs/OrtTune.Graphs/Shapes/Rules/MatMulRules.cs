using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>MatMul (numpy semantics), Gemm, and ORT's FusedMatMul (MatMul with transposes folded in).</summary>
internal static class MatMulRules
{
    public static void MatMul(InferenceContext ctx) =>
        ctx.SetOutput(0, ctx.InputElemType(0), Product(ctx, ctx.InputShape(0), ctx.InputShape(1)));

    /// <summary>
    /// com.microsoft FusedMatMul: transA/transB swap the last two dims; transBatchA/B move the first dim to just
    /// before the last two (so [M, B, K] reads as [B, M, K]), which ORT uses to skip a Transpose in attention.
    /// </summary>
    public static void FusedMatMul(InferenceContext ctx)
    {
        var a = Logical(ctx, ctx.InputShape(0), ctx.GetInt("transA", 0) != 0, ctx.GetInt("transBatchA", 0) != 0);
        var b = Logical(ctx, ctx.InputShape(1), ctx.GetInt("transB", 0) != 0, ctx.GetInt("transBatchB", 0) != 0);
        ctx.SetOutput(0, ctx.InputElemType(0), Product(ctx, a, b));
    }

    private static Shape? Logical(InferenceContext ctx, Shape? s, bool trans, bool transBatch)
    {
        if (s is null) return null;
        var dims = s.ToList();
        if (transBatch && dims.Count > 2)
        {
            var first = dims[0];
            dims.RemoveAt(0);
            dims.Insert(dims.Count - 1, first);
        }
        if (trans)
        {
            if (dims.Count < 2) throw ctx.Error("a transposed operand needs rank 2 or more.");
            (dims[^1], dims[^2]) = (dims[^2], dims[^1]);
        }
        return new Shape(dims);
    }

    /// <summary>numpy.matmul: 1-D operands get a temporary 1 that is dropped again; batch dims broadcast.</summary>
    internal static Shape? Product(InferenceContext ctx, Shape? a, Shape? b)
    {
        if (a is null || b is null) return null;
        if (a.Rank == 0 || b.Rank == 0) throw ctx.Error("MatMul does not take scalars.");
        List<Dim> left = a.Rank == 1 ? [Dim.Known(1), a[0]] : a.ToList();
        List<Dim> right = b.Rank == 1 ? [b[0], Dim.Known(1)] : b.ToList();
        DimAlgebra.Unify(left[^1], right[^2], ctx, $"inner dimensions of {a} and {b}");
        var batch = DimAlgebra.Broadcast([new Shape(left.Take(left.Count - 2)), new Shape(right.Take(right.Count - 2))], ctx)!;
        var dims = batch.ToList();
        if (a.Rank != 1) dims.Add(left[^2]);
        if (b.Rank != 1) dims.Add(right[^1]);
        return new Shape(dims);
    }

    /// <summary>Gemm: Y = alpha * A' B' + beta * C with 2-D A and B; C must broadcast to [M, N].</summary>
    public static void Gemm(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var a = ctx.InputShape(0);
        var b = ctx.InputShape(1);
        ctx.ExpectRank(0, 2);
        ctx.ExpectRank(1, 2);
        Dim m = Dim.Unknown, n = Dim.Unknown;
        bool transA = ctx.GetInt("transA", 0) != 0, transB = ctx.GetInt("transB", 0) != 0;
        if (a is not null) m = transA ? a[1] : a[0];
        if (b is not null) n = transB ? b[0] : b[1];
        if (a is not null && b is not null)
            DimAlgebra.Unify(transA ? a[0] : a[1], transB ? b[1] : b[0], ctx, $"inner dimensions of {a} and {b}");
        var output = new Shape([m, n]);
        if (ctx.HasInput(2) && ctx.InputShape(2) is { } c)
        {
            if (c.Rank > 2) throw ctx.Error($"C has rank {c.Rank}; it must broadcast to [M, N].");
            output = DimAlgebra.Broadcast([output, c], ctx)!;
        }
        ctx.SetOutput(0, elem, output);
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// LayerNormalization and the ORT normalisation family (Simplified = RMSNorm, Skip = with a residual add,
/// EmbedLayerNormalization = embeddings + LayerNorm). Their optional statistics outputs keep the leading dims and
/// have size 1 over the normalised ones, in the stash type (float by default).
/// </summary>
internal static class NormalizationRules
{
    /// <summary>LayerNormalization / SimplifiedLayerNormalization: Y, then Mean and InvStdDev (Simplified: InvStdDev only).</summary>
    public static void LayerNormalization(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        ctx.SetOutput(0, ctx.InputType(0));
        var stash = (DataType)ctx.GetInt("stash_type", (long)DataType.Float);
        Shape? stats = null;
        if (x is not null)
        {
            int axis = ctx.Axis(ctx.GetInt("axis", -1), x.Rank);
            stats = new Shape(x.Select((d, i) => i < axis ? d : Dim.Known(1)));
        }
        for (int i = 1; i < ctx.OutputCount; i++) ctx.SetOutput(i, stash, stats);
    }

    /// <summary>Skip(Simplified)LayerNormalization: output, mean, inv_std_var, input_skip_bias_sum.</summary>
    public static void SkipLayerNormalization(InferenceContext ctx)
    {
        var x = ctx.InputShape(0);
        if (x is not null && ctx.InputShape(1) is { } skip)
        {
            // skip has the input's shape, or drops a leading batch dim of 1 (ORT allows both).
            var aligned = skip.Rank == x.Rank ? skip : skip.Rank == x.Rank - 1 ? new Shape(new[] { Dim.Known(1) }.Concat(skip)) : null;
            if (aligned is null) throw ctx.Error($"skip {skip} does not match input {x}.");
            DimAlgebra.Broadcast([x, aligned], ctx);
        }
        ctx.SetOutput(0, ctx.InputType(0));
        var stats = x is null || x.Rank == 0 ? null : x.WithDim(x.Rank - 1, Dim.Known(1));
        ctx.SetOutput(1, DataType.Float, stats);
        ctx.SetOutput(2, DataType.Float, stats);
        ctx.SetOutput(3, ctx.InputType(0));
    }

    /// <summary>
    /// EmbedLayerNormalization(input_ids, segment_ids, word_embedding, position_embedding, segment_embedding, gamma,
    /// beta, mask, position_ids) → output [B, S, H], mask_index [B] int32, embedding_sum [B, S, H].
    /// </summary>
    public static void EmbedLayerNormalization(InferenceContext ctx)
    {
        ctx.ExpectRank(0, 2);
        ctx.ExpectRank(2, 2);
        var ids = ctx.InputShape(0);
        var words = ctx.InputShape(2);
        var elem = ctx.InputElemType(2);
        Dim batch = ids?[0] ?? Dim.Unknown, seq = ids?[1] ?? Dim.Unknown, hidden = words?[1] ?? Dim.Unknown;
        var output = new Shape([batch, seq, hidden]);
        ctx.SetOutput(0, elem, output);
        ctx.SetOutput(1, DataType.Int32, [batch]);
        ctx.SetOutput(2, elem, output);
    }
}

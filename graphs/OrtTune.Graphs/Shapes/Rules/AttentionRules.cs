using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// ORT's fused attention ops (com.microsoft), shapes as their documentation gives them:
/// B batch, S query length, L key length, P past length, N heads, H head size.
/// </summary>
internal static class AttentionRules
{
    /// <summary>
    /// Attention(input [B,S,In], weights [In, Dq+Dk+Dv], bias, mask_index, past [2,B,N,P,H], ...) →
    /// output [B,S,Dv], present [2,B,N,P+S,H].
    /// </summary>
    public static void Attention(InferenceContext ctx)
    {
        ctx.ExpectRank(0, 3);
        ctx.ExpectRank(1, 2);
        var input = ctx.InputShape(0);
        var weights = ctx.InputShape(1);
        var elem = ctx.InputElemType(0);
        long heads = ctx.GetInt("num_heads", 0);
        if (heads <= 0) throw ctx.Error("num_heads must be positive.");
        Dim batch = input?[0] ?? Dim.Unknown, seq = input?[1] ?? Dim.Unknown;
        if (input is not null && weights is not null) DimAlgebra.Unify(input[2], weights[0], ctx, "input hidden size and weights rows");

        Dim qHidden = Dim.Unknown, vHidden = Dim.Unknown;
        if (ctx.GetInts("qkv_hidden_sizes") is { } qkv)
        {
            if (qkv.Length != 3) throw ctx.Error("qkv_hidden_sizes must have 3 entries.");
            qHidden = Dim.Known(qkv[0]);
            vHidden = Dim.Known(qkv[2]);
        }
        else if (weights?[1].Value is long total)
        {
            if (total % 3 != 0) throw ctx.Error($"weights width {total} is not three equal Q/K/V parts.");
            qHidden = vHidden = Dim.Known(total / 3);
        }
        ctx.SetOutput(0, elem, [batch, seq, vHidden]);

        if (ctx.HasInput(4) && ctx.InputShape(4) is { Rank: 5 } past)
        {
            var total = ctx.GetInt("past_present_share_buffer", 0) != 0 ? past[3] : DimAlgebra.Add(past[3], seq);
            ctx.SetOutput(1, elem, past.WithDim(3, total));
        }
        else
        {
            var head = qHidden.Value is long q ? Dim.Known(q / heads) : Dim.Unknown;
            ctx.SetOutput(1, elem, [Dim.Known(2), batch, Dim.Known(heads), seq, head]);
        }
    }

    /// <summary>
    /// MultiHeadAttention(query, key, value, bias, key_padding_mask, attention_bias, past_key, past_value, ...) →
    /// output [B,S,Dv], present_key [B,N,P+L,H], present_value [B,N,P+L,Hv]. Query may be [B,S,D] or packed QKV
    /// [B,S,N,3,H]; key may be [B,L,D], [B,N,L,H] or packed KV [B,L,N,2,H]; value [B,L,Dv] or [B,N,L,Hv].
    /// </summary>
    public static void MultiHeadAttention(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        long heads = ctx.GetInt("num_heads", 0);
        if (heads <= 0) throw ctx.Error("num_heads must be positive.");
        var n = Dim.Known(heads);
        var query = ctx.InputShape(0);
        var key = ctx.HasInput(1) ? ctx.InputShape(1) : null;
        var value = ctx.HasInput(2) ? ctx.InputShape(2) : null;
        if (query is null)
        {
            for (int i = 0; i < ctx.OutputCount; i++) ctx.SetOutput(i, elem, null);
            return;
        }
        Dim batch = query[0], seq = query[1];
        Dim headSize, vHeadSize, keyLength = Dim.Unknown;
        if (query.Rank == 5)
        {
            // Packed QKV: [B, S, N, 3, H].
            headSize = vHeadSize = query[4];
            keyLength = seq;
        }
        else
        {
            if (query.Rank != 3) throw ctx.Error($"query {query} must be [B,S,D] or packed [B,S,N,3,H].");
            headSize = Divide(query[2], heads);
            vHeadSize = headSize;
            if (key is { Rank: 5 }) { keyLength = key[1]; vHeadSize = key[4]; }
            else if (key is { Rank: 4 }) keyLength = key[2];
            else if (key is { Rank: 3 }) keyLength = key[1];
            if (value is { Rank: 3 }) vHeadSize = Divide(value[2], heads);
            else if (value is { Rank: 4 }) vHeadSize = value[3];
        }
        ctx.SetOutput(0, elem, [batch, seq, DimAlgebra.Multiply(n, vHeadSize)]);

        var pastLength = ctx.HasInput(6) && ctx.InputShape(6) is { Rank: 4 } pastKey ? pastKey[2] : Dim.Known(0);
        // Keys given per head ([B,N,L,H]) are used as they are: they already include the past.
        var total = key is { Rank: 4 } ? keyLength : DimAlgebra.Add(pastLength, keyLength);
        ctx.SetOutput(1, elem, [batch, n, total, headSize]);
        ctx.SetOutput(2, elem, [batch, n, total, vHeadSize]);
        if (ctx.OutputCount > 3) ctx.SetOutput(3, DataType.Float, [batch, n, seq, total]);
    }

    /// <summary>
    /// GroupQueryAttention(query, key, value, past_key, past_value, seqlens_k, total_sequence_length, cos, sin...) →
    /// output [B,S,N*H], present_key/value [B,Nkv,T,H] where T is the past buffer length when it is shared, else
    /// max(past length, total_sequence_length).
    /// </summary>
    public static void GroupQueryAttention(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        long heads = ctx.GetInt("num_heads", 0), kvHeads = ctx.GetInt("kv_num_heads", 0);
        if (heads <= 0 || kvHeads <= 0) throw ctx.Error("num_heads and kv_num_heads must be positive.");
        var query = ctx.InputShape(0);
        if (query is null)
        {
            for (int i = 0; i < ctx.OutputCount; i++) ctx.SetOutput(i, elem, null);
            return;
        }
        if (query.Rank != 3) throw ctx.Error($"query {query} must be [B,S,D].");
        Dim batch = query[0], seq = query[1];
        bool packed = !ctx.HasInput(1);
        var headSize = Divide(query[2], packed ? heads + 2 * kvHeads : heads);
        ctx.SetOutput(0, elem, [batch, seq, DimAlgebra.Multiply(Dim.Known(heads), headSize)]);

        var past = ctx.HasInput(3) ? ctx.InputShape(3) : null;
        long? totalLength = ctx.KnownScalarInt(6);
        Dim total = past is { Rank: 4 }
            ? (past[2].Value is long p && totalLength is long t ? Dim.Known(Math.Max(p, t)) : Dim.Unknown)
            : (totalLength is long t2 ? Dim.Known(t2) : Dim.Unknown);
        if (!total.IsKnown) ctx.NoteUnknown("the present length needs total_sequence_length and the past length");
        ctx.SetOutput(1, elem, [batch, Dim.Known(kvHeads), total, headSize]);
        ctx.SetOutput(2, elem, [batch, Dim.Known(kvHeads), total, headSize]);
    }

    private static Dim Divide(Dim d, long by) => d.Value is long v && by > 0 && v % by == 0 ? Dim.Known(v / by) : Dim.Unknown;
}

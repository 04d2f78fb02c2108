using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// The selection inputs of a TokenTune graph and the two ways the grad branch meets the full forward: gathering the
/// selected rows of a full tensor (position tables, masks, token-type embeddings), and recombining (the full tensor
/// with gradients routed into the selected rows, for ops that mix tokens).
/// </summary>
internal sealed class TokenTuneSelection
{
    private readonly OpBuilder _ops;
    private readonly Dictionary<DataType, Value> _scatter = [];
    private readonly HashSet<Value> _stopGradient;

    public TokenTuneSelection(OpBuilder ops, Value indices, Value mask, long batch, long sequence, long count, HashSet<Value> stopGradient)
    {
        _ops = ops;
        Indices = indices;
        Mask = mask;
        Batch = batch;
        Sequence = sequence;
        Count = count;
        _stopGradient = stopGradient;
    }

    /// <summary>int64 [B, k]: the original position of each slot.</summary>
    public Value Indices { get; }

    /// <summary>int64 [B, k]: 1 for a slot in use, 0 for padding.</summary>
    public Value Mask { get; }

    public long Batch { get; }
    public long Sequence { get; }
    public long Count { get; }

    /// <summary>Size of a rows-form axis whose original size is <paramref name="size"/> (outer × n × inner).</summary>
    public long RowsSize(long size) => size / Sequence * Count;

    /// <summary>
    /// The selected rows of <paramref name="x"/> (a value without a grad-branch counterpart) along its axis
    /// <paramref name="axis"/>, which must be exactly the token axis (size n). Leading axes of size 1 are added to
    /// rank <paramref name="rank"/> first, so the result lines up with the rows-form value it is combined with.
    /// Exact for every element type (a gather, not arithmetic); gradients, if any, flow back through it.
    /// </summary>
    public Value GatherRows(Value x, int axis, int rank)
    {
        var shape = OpBuilder.StaticShape(x);
        int pad = rank - shape.Length;
        var dims = Enumerable.Repeat(1L, pad).Concat(shape).ToArray();
        int a = axis + pad;
        if (a == 0 || dims[a] != Sequence)
            throw new OrtTuneException($"TokenTune: cannot gather the selected tokens of '{x.Name}' [{string.Join(", ", shape)}] along axis {axis}.");
        long lead = dims[0];
        if (lead != 1 && lead != Batch)
            throw new OrtTuneException($"TokenTune: '{x.Name}' [{string.Join(", ", shape)}] has a leading axis that is neither 1 nor the batch.");
        long heads = dims.Skip(1).Take(a - 1).Aggregate(1L, (p, d) => p * d);
        long inner = dims.Skip(a + 1).Aggregate(1L, (p, d) => p * d);
        var rows = (long[])dims.Clone();
        rows[0] = Batch;
        rows[a] = Count;
        Value gathered;
        if (lead == 1)
        {
            // One table for every example: gather along the token axis with the [B, k] indices, batch comes out after the heads.
            var table = _ops.Reshape(x, heads, Sequence, inner);
            gathered = _ops.Op("Gather", [table, Indices], Attribute.Of("axis", 1L));                   // [H, B, k, Q]
            if (heads != 1) gathered = _ops.Transpose(gathered, 1, 0, 2, 3);
        }
        else
        {
            var full = _ops.Reshape(x, Batch, heads, Sequence, inner);
            var index = _ops.Expand(_ops.Reshape(Indices, Batch, 1, Count, 1), [Batch, heads, Count, inner]);
            gathered = _ops.Op("GatherElements", [full, index], Attribute.Of("axis", 2L));
        }
        return _ops.Reshape(gathered, rows);
    }

    /// <summary>
    /// A value equal to <paramref name="full"/> (the no-grad forward's tensor, bit for bit) whose gradient reaches the
    /// grad-branch rows <paramref name="rows"/>, at the slots in use only: full + Sᵀ·(rows − stopgrad(rows)), with S
    /// the [k, n] one-hot selection times the validity mask. The added term is exactly zero in the forward pass.
    /// </summary>
    public Value Recombine(Value full, TokenTuneMirror rows)
    {
        if (!full.ElemType.IsFloatingPoint()) return full;
        var shape = OpBuilder.StaticShape(full);
        int a = rows.Axis!.Value;
        long before = shape.Take(a).Aggregate(1L, (p, d) => p * d) * rows.Outer;
        if (before % Batch != 0)
            throw new OrtTuneException($"TokenTune: '{full.Name}' [{string.Join(", ", shape)}] has no batch axis ahead of its token axis.");
        long heads = before / Batch;
        long inner = rows.Inner * shape.Skip(a + 1).Aggregate(1L, (p, d) => p * d);
        var frozen = _ops.Op("Identity", rows.Value);
        _stopGradient.Add(frozen);
        var zero = _ops.Reshape(_ops.Op("Sub", rows.Value, frozen), Batch, heads, Count, inner);
        var delta = _ops.Op("MatMul", Scatter(full.ElemType), zero);                                   // [B, H, n, Q], all zeros
        return _ops.Op("Add", full, _ops.Reshape(delta, shape));
    }

    /// <summary>Sᵀ as [B, 1, n, k] of <paramref name="type"/>: 1 where slot j holds position i and is in use.</summary>
    private Value Scatter(DataType type)
    {
        if (_scatter.TryGetValue(type, out var cached)) return cached;
        var positions = _ops.Builder.Constant(Tensor.FromArray(Enumerable.Range(0, (int)Sequence).Select(i => (long)i).ToArray(), Sequence, 1), "token_positions");
        var hit = _ops.Op("Equal", _ops.Reshape(Indices, Batch, 1, Count), positions);                // [B, n, k]
        var inUse = _ops.Op("Cast", [_ops.Reshape(Mask, Batch, 1, Count)], Attribute.Of("to", (long)type));
        var s = _ops.Op("Mul", _ops.Op("Cast", [hit], Attribute.Of("to", (long)type)), inUse);
        return _scatter[type] = _ops.Reshape(s, Batch, 1, Sequence, Count);
    }
}

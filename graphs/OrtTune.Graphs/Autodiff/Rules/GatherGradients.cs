using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Gathers: the gradient scatter-adds the output gradient into zeros of the data's shape at the gathered
/// positions, so rows picked several times (a token repeated in the batch) add up. The indices are data, so the
/// positions are only known at run time; the cost is one tensor of the data's size, never a one-hot matrix, and
/// it exists only from the scatter on (<see cref="OpBuilder.ZerosAfter"/>).
/// </summary>
internal static class GatherGradients
{
    /// <summary>
    /// Gather along axis 0 (embedding lookup): ScatterND of the gradient rows at the flattened indices. Along another
    /// axis: ScatterElements along that axis, with the indices broadcast over the other axes.
    /// </summary>
    public static void Gather(GradientContext c)
    {
        if (!c.NeedsGrad(0)) return;
        MovementOps.RequireScatterAdd(c);
        var o = c.Ops;
        var data = c.Input(0);
        var shape = c.Shape(data);
        int axis = (int)GradientContext.Axis(c.GetInt("axis", 0), shape.Length);
        var indices = c.Input(1);
        long m = c.Shape(indices).Aggregate(1L, (a, b) => a * b);
        // The gradient with the index axes flattened into one: [data[:axis], M, data[axis+1:]].
        long[] rows = [.. shape[..axis], m, .. shape[(axis + 1)..]];
        var g = o.Reshape(c.OutputGrad(0)!, rows);
        if (axis == 0)
        {
            var at = o.Reshape(o.Int64Indices(indices), m, 1);
            c.SetGrad(0, m + 1 < shape[0] ? CompactRows(o, at, g, shape) : o.ScatterAdd("ScatterND", o.ZerosAfter(data, g), at, g));
            return;
        }
        var zeros = o.ZerosAfter(data, g);
        long[] lifted = [.. shape[..axis].Select(_ => 1L), m, .. shape[(axis + 1)..].Select(_ => 1L)];
        var spread = o.Expand(o.Reshape(indices, lifted), rows);
        c.SetGrad(0, o.ScatterAdd("ScatterElements", zeros, spread, g, Attribute.Of("axis", (long)axis)));
    }

    /// <summary>
    /// The gradient of a lookup of m rows from a table of more than m + 1 (an embedding): the rows are summed per
    /// distinct index in an (m + 1)-row buffer, then a Gather spreads them over the table, unused rows reading the
    /// zero row m. The table-sized tensor is then only the gradient itself, written where the caller wants it, with
    /// no table-sized zeros beside it. map[v] is one position whose index is v (m where none is: a scatter of the
    /// positions, where any of a repeated index's positions may win), and every position adds into the row its index
    /// maps to, so the sums are those of a scatter-add into zeros, in the same order.
    /// </summary>
    private static Value CompactRows(OpBuilder o, Value at, Value g, long[] table)
    {
        long m = OpBuilder.StaticShape(at)[0];
        var none = o.Expand(o.Scalar(m, DataType.Int64), [table[0]]);
        var positions = o.Builder.Constant(Tensor.Vector(Enumerable.Range(0, (int)m).Select(i => (long)i).ToArray()), "positions");
        var map = o.Op("ScatterND", none, at, positions);                                             // [rows]
        var slot = o.Op("Gather", map, at);                                                            // [m, 1]
        long[] compact = [m + 1, .. table[1..]];
        var sums = o.ScatterAdd("ScatterND", o.ZerosAfter(compact, g.ElemType, g), slot, g);           // [m + 1, ...]
        return o.Op("Gather", [sums, map], Attribute.Of("axis", 0L));
    }

    /// <summary>GatherElements picks one element per index: ScatterElements adds each back along the same axis.</summary>
    public static void GatherElements(GradientContext c)
    {
        if (!c.NeedsGrad(0)) return;
        MovementOps.RequireScatterAdd(c);
        var o = c.Ops;
        var zeros = o.ZerosAfter(c.Input(0), c.OutputGrad(0)!);
        var axis = Attribute.Of("axis", c.GetInt("axis", 0));
        c.SetGrad(0, o.ScatterAdd("ScatterElements", zeros, c.Input(1), c.OutputGrad(0)!, axis));
    }

    /// <summary>GatherND (batch_dims = 0) picks slices by index tuples: ScatterND adds them back.</summary>
    public static void GatherND(GradientContext c)
    {
        if (!c.NeedsGrad(0)) return;
        if (c.GetInt("batch_dims", 0) != 0)
            throw new OrtTuneException($"No {c.Describe()} with batch_dims ≠ 0: only batch_dims = 0 has a gradient rule.");
        MovementOps.RequireScatterAdd(c);
        var o = c.Ops;
        c.SetGrad(0, o.ScatterAdd("ScatterND", o.ZerosAfter(c.Input(0), c.OutputGrad(0)!), o.Int64Indices(c.Input(1)), c.OutputGrad(0)!));
    }
}

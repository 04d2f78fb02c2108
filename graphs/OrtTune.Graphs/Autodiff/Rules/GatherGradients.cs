using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Gathers: the gradient scatter-adds the output gradient into zeros of the data's shape at the gathered
/// positions, so rows picked several times (a token repeated in the batch) add up. The indices are data, so the
/// positions are only known at run time; the cost is one tensor of the data's size, never a one-hot matrix.
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
        var zeros = o.ZerosLike(data);
        if (axis == 0)
        {
            var at = o.Reshape(o.Int64Indices(indices), m, 1);
            c.SetGrad(0, o.ScatterAdd("ScatterND", zeros, at, g));
            return;
        }
        long[] lifted = [.. shape[..axis].Select(_ => 1L), m, .. shape[(axis + 1)..].Select(_ => 1L)];
        var spread = o.Expand(o.Reshape(indices, lifted), rows);
        c.SetGrad(0, o.ScatterAdd("ScatterElements", zeros, spread, g, Attribute.Of("axis", (long)axis)));
    }

    /// <summary>GatherElements picks one element per index: ScatterElements adds each back along the same axis.</summary>
    public static void GatherElements(GradientContext c)
    {
        if (!c.NeedsGrad(0)) return;
        MovementOps.RequireScatterAdd(c);
        var o = c.Ops;
        var zeros = o.ZerosLike(c.Input(0));
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
        c.SetGrad(0, o.ScatterAdd("ScatterND", o.ZerosLike(c.Input(0)), o.Int64Indices(c.Input(1)), c.OutputGrad(0)!));
    }
}

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Slice: the gradient is zeros of the input's shape with the output gradient at the positions the slice read.
/// The positions are static (constant bounds, static shape), so this is built from Slice, Reshape and Pad alone —
/// no scatter — and works at every opset: reverse the axes with negative steps, interleave step−1 zeros on the
/// strided axes, then pad out to the input's size.
/// </summary>
internal static class SliceGradients
{
    public static void Slice(GradientContext c)
    {
        var o = c.Ops;
        var x = c.Input(0);
        var size = c.Shape(x);
        int rank = size.Length;
        var (starts, ends, axes, steps) = Bounds(c);

        // Per axis: the lowest index read, the distance between reads, and how many.
        var lowest = new long[rank];
        var stride = Enumerable.Repeat(1L, rank).ToArray();
        var count = (long[])size.Clone();
        var reversed = new List<long>();
        for (int k = 0; k < axes.Length; k++)
        {
            int a = (int)GradientContext.Axis(axes[k], rank);
            var (first, step, n) = Resolve(starts[k], ends[k], steps[k], size[a]);
            count[a] = n;
            stride[a] = Math.Abs(step);
            lowest[a] = step > 0 || n == 0 ? first : first + (n - 1) * step;
            if (step < 0 && n > 1) reversed.Add(a);
        }
        if (count.Contains(0))
        {
            c.SetGrad(0, o.ZerosLike(x));
            return;
        }

        var g = c.OutputGrad(0)!;
        // A negative step read the axis backwards: flip the gradient so that it runs in index order.
        if (reversed.Count > 0)
            g = o.Slice(g, reversed.Select(_ => -1L).ToArray(), reversed.Select(_ => long.MinValue).ToArray(),
                reversed.ToArray(), reversed.Select(_ => -1L).ToArray());

        // Step s > 1: view [.., n, ..] as [.., n, 1, ..], pad to [.., n, s, ..] and merge into [.., n·s, ..], which
        // puts element j at j·s with zeros between.
        var span = (long[])count.Clone();
        var strided = Enumerable.Range(0, rank).Where(a => stride[a] > 1 && count[a] > 1).ToHashSet();
        if (strided.Count > 0)
        {
            var lifted = new List<long>();
            var interleave = new List<long>();
            for (int a = 0; a < rank; a++)
            {
                lifted.Add(count[a]);
                interleave.Add(0);
                if (!strided.Contains(a)) continue;
                lifted.Add(1);
                interleave.Add(stride[a] - 1);
                span[a] = count[a] * stride[a];
            }
            var padded = o.PadZeros(o.Reshape(g, lifted.ToArray()), [.. lifted.Select(_ => 0L), .. interleave]);
            g = o.Reshape(padded, span);
            // The zeros after the last read may run past the end of the input; drop them.
            var over = strided.Where(a => lowest[a] + span[a] > size[a]).Select(a => (long)a).ToArray();
            if (over.Length > 0)
            {
                g = o.Slice(g, over.Select(_ => 0L).ToArray(), over.Select(a => size[a] - lowest[a]).ToArray(), over);
                foreach (var a in over) span[a] = size[a] - lowest[a];
            }
        }

        var pads = new long[2 * rank];
        for (int a = 0; a < rank; a++)
        {
            pads[a] = lowest[a];
            pads[rank + a] = size[a] - lowest[a] - span[a];
        }
        c.SetGrad(0, o.PadZeros(g, pads));
    }

    /// <summary>starts, ends, axes, steps: attributes before opset 10, constant inputs from 10 on.</summary>
    private static (long[] Starts, long[] Ends, long[] Axes, long[] Steps) Bounds(GradientContext c)
    {
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.Node.GetInts("starts") ?? throw new InvalidOperationException($"{c.Describe()}: no 'starts'.");
            ends = c.Node.GetInts("ends") ?? throw new InvalidOperationException($"{c.Describe()}: no 'ends'.");
            axes = c.Node.GetInts("axes");
        }
        else
        {
            starts = c.ConstantInts(1)!;
            ends = c.ConstantInts(2)!;
            axes = c.ConstantInts(3);
            steps = c.ConstantInts(4);
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        return (starts, ends, axes, steps);
    }

    /// <summary>First index, step and count of the elements a slice reads from an axis, clamped as ONNX says.</summary>
    private static (long First, long Step, long Count) Resolve(long start, long end, long step, long size)
    {
        if (step == 0) throw new InvalidOperationException("Slice step is zero.");
        if (start < 0) start += size;
        if (end < 0) end += size;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return (start, step, end > start ? (end - start + step - 1) / step : 0);
        }
        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        return (start, step, start > end ? (start - end - step - 1) / -step : 0);
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Slice, as a strided view of the input.</summary>
internal static class SliceKernels
{
    /// <summary>
    /// Slice: starts/ends/axes/steps inputs (opset 10+) or starts/ends/axes attributes (opset 1). Out-of-range
    /// bounds such as INT64_MAX are clamped the way the ONNX spec describes, also for negative steps.
    /// </summary>
    public static Tensor Slice(KernelArgs a)
    {
        a.AtMostInputs(5);
        var x = a.Input(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (a.InputCount > 1)
        {
            starts = a.Ints(a.Input(1), "starts");
            ends = a.Ints(a.Input(2), "ends");
            axes = a.Optional(3) is { } t3 ? a.Ints(t3, "axes") : null;
            steps = a.Optional(4) is { } t4 ? a.Ints(t4, "steps") : null;
        }
        else
        {
            starts = a.IntsAttr("starts");
            ends = a.IntsAttr("ends");
            axes = a.Node.GetInts("axes");
        }
        if (ends.Length != starts.Length || (axes is not null && axes.Length != starts.Length)
            || (steps is not null && steps.Length != starts.Length))
            throw a.Fail($"starts, ends, axes and steps must have one length; they have {starts.Length}, {ends.Length}, " +
                         $"{axes?.Length.ToString() ?? "-"} and {steps?.Length.ToString() ?? "-"}.");

        var dims = x.Dims.ToArray();
        var strides = TensorMath.Strides(x.Dims);
        long offset = 0;
        var seen = new bool[x.Rank];
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = a.Axis(axes?[i] ?? i, x.Rank);
            if (seen[axis]) throw a.Fail($"axis {axis} is sliced twice.");
            seen[axis] = true;
            long step = steps?[i] ?? 1;
            if (step == 0) throw a.Fail($"the step of axis {axis} is 0.");
            var (start, count) = Range(starts[i], ends[i], step, dims[axis]);
            offset += start * strides[axis];
            dims[axis] = count;
            strides[axis] *= step;
        }
        return ElementArray.View(x, offset, dims, strides);
    }

    /// <summary>The first index and the element count selected along an axis of size <paramref name="dim"/>.</summary>
    private static (long Start, long Count) Range(long start, long end, long step, long dim)
    {
        // Negative bounds count from the end; INT64_MIN + dim cannot overflow because dim >= 0.
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, end > start ? (end - start - 1) / step + 1 : 0);
        }
        if (dim == 0) return (0, 0);
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        long magnitude = step == long.MinValue ? long.MaxValue : -step;
        return (start, start > end ? (start - end - 1) / magnitude + 1 : 0);
    }
}

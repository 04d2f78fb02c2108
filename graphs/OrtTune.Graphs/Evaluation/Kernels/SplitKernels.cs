using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Split along an axis into consecutive parts.</summary>
internal static class SplitKernels
{
    /// <summary>
    /// Split: sizes from the split input (opset 13+) or attribute (older); otherwise num_outputs parts of
    /// ceil(dim / n) with a smaller last one (opset 18), or equal parts, one per node output.
    /// </summary>
    public static Tensor?[] Split(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        int axis = a.Axis(a.Node.GetInt("axis", 0), x.Rank);
        long dim = x.Dims[axis];
        int outputs = a.Node.Outputs.Count;
        long[] sizes;
        if (a.Has(1)) sizes = a.Ints(a.Input(1), "split");
        else if (a.Node.GetInts("split") is { } attr) sizes = attr;
        else if (a.Node.Attr("num_outputs") is { } numAttr)
        {
            long n = numAttr.AsInt();
            if (n < 1) throw a.Fail($"num_outputs is {n}.");
            long chunk = (dim + n - 1) / n;
            sizes = new long[n];
            for (long i = 0; i < n; i++) sizes[i] = Math.Clamp(dim - i * chunk, 0, chunk);
        }
        else
        {
            if (outputs == 0 || dim % outputs != 0)
                throw a.Fail($"cannot split dimension {dim} evenly into {outputs} outputs.");
            sizes = Enumerable.Repeat(dim / outputs, outputs).ToArray();
        }
        if (sizes.Length != outputs)
            throw a.Fail($"the split has {sizes.Length} parts but the node has {outputs} outputs.");
        if (sizes.Any(s => s < 0) || sizes.Sum() != dim)
            throw a.Fail($"split sizes [{string.Join(",", sizes)}] do not add up to dimension {dim} of axis {axis}.");

        var strides = TensorMath.Strides(x.Dims);
        var results = new Tensor?[outputs];
        long start = 0;
        for (int i = 0; i < outputs; i++)
        {
            var dims = x.Dims.ToArray();
            dims[axis] = sizes[i];
            results[i] = ElementArray.View(x, start * strides[axis], dims, strides);
            start += sizes[i];
        }
        return results;
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>
/// Ops that keep the elements in order and only change the dimensions: Reshape, Flatten, Squeeze, Unsqueeze and
/// Identity. The result shares the input's memory.
/// </summary>
internal static class ReshapeKernels
{
    /// <summary>Reshape: shape input (opset 5+) or shape attribute (opset 1); 0 copies a dimension unless allowzero, -1 is inferred.</summary>
    public static Tensor Reshape(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        long[] target = a.Has(1) ? a.Ints(a.Input(1), "shape")
            : a.Node.GetInts("shape") ?? throw a.Fail("needs a shape input (or, before opset 5, a shape attribute).");
        bool allowZero = a.Node.GetInt("allowzero", 0) != 0;
        var dims = new long[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == -1)
            {
                if (inferred >= 0) throw a.Fail($"shape [{string.Join(",", target)}] has more than one -1.");
                inferred = i;
                continue;
            }
            if (t < -1) throw a.Fail($"shape [{string.Join(",", target)}] has the invalid dimension {t}.");
            if (t == 0 && !allowZero)
            {
                if (i >= x.Rank)
                    throw a.Fail($"shape [{string.Join(",", target)}] copies dimension {i} (0) but the input has rank {x.Rank}.");
                t = x.Dims[i];
            }
            dims[i] = t;
            known = checked(known * t);
        }
        if (inferred >= 0)
        {
            if (known == 0 || x.ElementCount % known != 0)
                throw a.Fail($"cannot infer the -1 of shape [{string.Join(",", target)}] for an input of {x.ElementCount} elements.");
            dims[inferred] = x.ElementCount / known;
        }
        if (TensorMath.Count(dims) != x.ElementCount)
            throw a.Fail($"cannot reshape [{string.Join(",", x.Dims)}] ({x.ElementCount} elements) to [{string.Join(",", dims)}].");
        return WithDims(x, dims);
    }

    /// <summary>Flatten to 2-D around axis (negative axes count from the end; axis == rank is allowed).</summary>
    public static Tensor Flatten(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        long axis = a.Node.GetInt("axis", 1);
        if (axis < -x.Rank || axis > x.Rank) throw a.Fail($"axis {axis} is out of range for rank {x.Rank}.");
        int k = (int)(axis < 0 ? axis + x.Rank : axis);
        return WithDims(x, [TensorMath.Count(x.Dims, 0, k), TensorMath.Count(x.Dims, k, x.Rank)]);
    }

    /// <summary>Squeeze: axes input (opset 13+) or attribute (older); without axes (or with none), drops every dimension of size 1.</summary>
    public static Tensor Squeeze(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        long[]? axes = a.Has(1) ? a.Ints(a.Input(1), "axes") : a.Node.GetInts("axes");
        var drop = new bool[x.Rank];
        if (axes is null || axes.Length == 0)
        {
            for (int i = 0; i < x.Rank; i++) drop[i] = x.Dims[i] == 1;
        }
        else
        {
            foreach (long axis in axes)
            {
                int k = a.Axis(axis, x.Rank);
                if (x.Dims[k] != 1) throw a.Fail($"cannot squeeze axis {axis}: its dimension is {x.Dims[k]}, not 1.");
                drop[k] = true;
            }
        }
        return WithDims(x, x.Dims.Where((_, i) => !drop[i]).ToArray());
    }

    /// <summary>Unsqueeze: axes input (opset 13+) or attribute (older), counted against the output rank.</summary>
    public static Tensor Unsqueeze(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        long[] axes = a.Has(1) ? a.Ints(a.Input(1), "axes") : a.IntsAttr("axes");
        int rank = x.Rank + axes.Length;
        var inserted = new bool[rank];
        foreach (long axis in axes)
        {
            int k = a.Axis(axis, rank);
            if (inserted[k]) throw a.Fail($"axes [{string.Join(",", axes)}] name axis {k} twice.");
            inserted[k] = true;
        }
        var dims = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) dims[i] = inserted[i] ? 1 : x.Dims[j++];
        return WithDims(x, dims);
    }

    public static Tensor Identity(KernelArgs a)
    {
        a.AtMostInputs(1);
        return a.Input(0);
    }

    /// <summary>The same elements under new dimensions (the caller checked the element count).</summary>
    public static Tensor WithDims(Tensor x, long[] dims) => x.DataType == DataType.String
        ? Tensor.FromStrings(dims, x.Strings)
        : Tensor.FromRaw(x.DataType, dims, x.RawBytes);
}

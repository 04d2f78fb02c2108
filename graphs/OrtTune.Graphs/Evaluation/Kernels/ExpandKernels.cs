using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Expand and Tile: repeat a tensor, read through a strided view with zero strides on repeated axes.</summary>
internal static class ExpandKernels
{
    /// <summary>Expand: broadcast the input and the shape input against each other (either side may have the 1s).</summary>
    public static Tensor Expand(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var shape = a.Ints(a.Input(1), "shape");
        if (shape.Any(d => d < 0)) throw a.Fail($"shape [{string.Join(",", shape)}] has a negative dimension.");
        var dims = TensorMath.Broadcast(x.Dims, shape)
            ?? throw a.Fail($"cannot expand [{string.Join(",", x.Dims)}] to [{string.Join(",", shape)}].");
        return ElementArray.View(x, 0, dims, TensorMath.BroadcastStrides(x.Dims, dims));
    }

    /// <summary>Tile: viewed as [r0, d0, r1, d1, ...] with stride 0 on each repeat axis, which flattens to [r0*d0, r1*d1, ...].</summary>
    public static Tensor Tile(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var repeats = a.Ints(a.Input(1), "repeats");
        if (repeats.Length != x.Rank)
            throw a.Fail($"repeats has {repeats.Length} values for an input of rank {x.Rank}.");
        if (repeats.Any(r => r < 0)) throw a.Fail($"repeats [{string.Join(",", repeats)}] has a negative value.");
        var strides = TensorMath.Strides(x.Dims);
        var viewDims = new long[2 * x.Rank];
        var viewStrides = new long[2 * x.Rank];
        var dims = new long[x.Rank];
        for (int i = 0; i < x.Rank; i++)
        {
            viewDims[2 * i] = repeats[i];
            viewDims[2 * i + 1] = x.Dims[i];
            viewStrides[2 * i + 1] = strides[i];
            dims[i] = checked(repeats[i] * x.Dims[i]);
        }
        return ReshapeKernels.WithDims(ElementArray.View(x, 0, viewDims, viewStrides), dims);
    }
}

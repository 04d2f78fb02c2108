using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>ScatterND and ScatterElements: a copy of data with some elements or slices replaced (or combined) by updates.</summary>
internal static class ScatterKernels
{
    /// <summary>ScatterND: indices [..., k] address slices data[i0..ik-1] of shape data[k:].</summary>
    public static Tensor ScatterND(KernelArgs a)
    {
        a.AtMostInputs(3);
        var data = a.Input(0);
        var indicesTensor = a.Input(1);
        var updates = a.Input(2);
        if (indicesTensor.Rank == 0) throw a.Fail("indices must have rank 1 or more.");
        int k = (int)indicesTensor.Dims[^1];
        if (k > data.Rank) throw a.Fail($"indices address {k} axes of a rank-{data.Rank} tensor.");
        var expected = indicesTensor.Dims.Take(indicesTensor.Rank - 1).Concat(data.Dims.Skip(k)).ToArray();
        if (!TensorMath.SameDims(updates.Dims, expected))
            throw a.Fail($"updates have shape [{string.Join(",", updates.Dims)}], expected [{string.Join(",", expected)}].");
        var indices = a.Ints(indicesTensor, "indices");
        var strides = TensorMath.Strides(data.Dims);
        long block = TensorMath.Count(data.Dims, k, data.Rank);
        var targets = new long[TensorMath.Count(indicesTensor.Dims, 0, indicesTensor.Rank - 1)];
        for (int t = 0; t < targets.Length; t++)
        {
            long offset = 0;
            for (int j = 0; j < k; j++)
            {
                long dim = data.Dims[j], index = indices[t * k + j];
                if (index < -dim || index >= dim) throw a.Fail($"index {index} is out of range for axis {j} of size {dim}.");
                offset += (index < 0 ? index + dim : index) * strides[j];
            }
            targets[t] = offset;
        }
        return Apply(a, data, updates, targets, block);
    }

    /// <summary>ScatterElements (and the older Scatter): the inverse of GatherElements.</summary>
    public static Tensor ScatterElements(KernelArgs a)
    {
        a.AtMostInputs(3);
        var data = a.Input(0);
        var indicesTensor = a.Input(1);
        var updates = a.Input(2);
        int axis = a.Axis(a.Node.GetInt("axis", 0), data.Rank);
        if (!TensorMath.SameDims(updates.Dims, indicesTensor.Dims))
            throw a.Fail($"updates shape [{string.Join(",", updates.Dims)}] differs from indices shape [{string.Join(",", indicesTensor.Dims)}].");
        var indices = GatherKernels.Indices(a, indicesTensor, data.Dims[axis]);
        var (dims, strides) = GatherKernels.ElementLayout(a, data, indicesTensor, axis);
        long axisStride = TensorMath.Strides(data.Dims)[axis];
        var targets = new long[indices.Length];
        var walker = new StridedWalker(dims, strides);
        for (int i = 0; i < targets.Length; i++, walker.Next()) targets[i] = walker.Offsets[0] + indices[i] * axisStride;
        return Apply(a, data, updates, targets, 1);
    }

    /// <summary>Writes block i of updates at element offset targets[i] of a copy of data, per the reduction attribute.</summary>
    private static Tensor Apply(KernelArgs a, Tensor data, Tensor updates, long[] targets, long block)
    {
        a.SameType(data, updates);
        string reduction = a.Node.GetString("reduction", "none");
        if (reduction == "none")
        {
            var result = ElementArray.Allocate(data.DataType, data.ElementCount);
            var source = ElementArray.Of(data);
            source.CopyTo(0, result, 0, data.ElementCount);
            var values = ElementArray.Of(updates);
            for (int i = 0; i < targets.Length; i++) values.CopyTo(i * block, result, targets[i], block);
            return result.ToTensor(data.Dims.ToArray());
        }
        if (reduction is not ("add" or "mul" or "max" or "min")) throw a.Fail($"reduction '{reduction}' is not known.");
        return Numeric.Dispatch(a, data.DataType, new Reduce(data, updates, targets, block, reduction));
    }

    private readonly struct Reduce(Tensor data, Tensor updates, long[] targets, long block, string reduction) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, System.Numerics.INumber<T>, System.Numerics.IMinMaxValue<T>
        {
            var result = data.ToArray<T>();
            var values = updates.AsSpan<T>();
            Func<T, T, T> f = reduction switch
            {
                "add" => (x, y) => x + y,
                "mul" => (x, y) => x * y,
                "max" => T.Max,
                _ => T.Min,
            };
            for (int i = 0; i < targets.Length; i++)
                for (long j = 0; j < block; j++)
                    result[targets[i] + j] = f(result[targets[i] + j], values[(int)(i * block + j)]);
            return Tensor.FromArray(result, data.Dims.ToArray());
        }
    }
}

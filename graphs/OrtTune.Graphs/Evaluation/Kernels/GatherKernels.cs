using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Gather and GatherElements: pick elements or slices by index (negative indices count from the end).</summary>
internal static class GatherKernels
{
    /// <summary>Gather: output shape data[:axis] + indices + data[axis+1:].</summary>
    public static Tensor Gather(KernelArgs a)
    {
        a.AtMostInputs(2);
        var data = a.Input(0);
        var indicesTensor = a.Input(1);
        int axis = a.Axis(a.Node.GetInt("axis", 0), data.Rank);
        var indices = Indices(a, indicesTensor, data.Dims[axis]);

        var dims = data.Dims.Take(axis).Concat(indicesTensor.Dims).Concat(data.Dims.Skip(axis + 1)).ToArray();
        long outer = TensorMath.Count(data.Dims, 0, axis), inner = TensorMath.Count(data.Dims, axis + 1, data.Rank);
        long dim = data.Dims[axis];
        var source = ElementArray.Of(data);
        var result = ElementArray.Allocate(data.DataType, TensorMath.Count(dims));
        long at = 0;
        for (long o = 0; o < outer; o++)
            foreach (long index in indices)
            {
                source.CopyTo((o * dim + index) * inner, result, at, inner);
                at += inner;
            }
        return result.ToTensor(dims);
    }

    /// <summary>GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] for axis 0, and so on; output shape = indices shape.</summary>
    public static Tensor GatherElements(KernelArgs a)
    {
        a.AtMostInputs(2);
        var data = a.Input(0);
        var indicesTensor = a.Input(1);
        int axis = a.Axis(a.Node.GetInt("axis", 0), data.Rank);
        var indices = Indices(a, indicesTensor, data.Dims[axis]);
        var (dims, strides) = ElementLayout(a, data, indicesTensor, axis);

        // Walk the indices' shape with the data's strides, except along `axis`, which the index value supplies.
        var source = ElementArray.Of(data);
        var result = ElementArray.Allocate(data.DataType, indices.Length);
        var walker = new StridedWalker(dims, strides);
        long axisStride = TensorMath.Strides(data.Dims)[axis];
        for (int i = 0; i < indices.Length; i++, walker.Next())
            source.CopyTo(walker.Offsets[0] + indices[i] * axisStride, result, i, 1);
        return result.ToTensor(dims);
    }

    /// <summary>
    /// For the element-wise index ops (GatherElements, ScatterElements): the indices' dims and the data's strides
    /// with a zero along <paramref name="axis"/>. Indices must have the data's rank and fit inside it.
    /// </summary>
    public static (long[] Dims, long[] Strides) ElementLayout(KernelArgs a, Tensor data, Tensor indices, int axis)
    {
        if (indices.Rank != data.Rank) throw a.Fail($"indices have rank {indices.Rank} but data has rank {data.Rank}.");
        for (int d = 0; d < data.Rank; d++)
            if (d != axis && indices.Dims[d] > data.Dims[d])
                throw a.Fail($"indices shape [{string.Join(",", indices.Dims)}] exceeds data shape [{string.Join(",", data.Dims)}] on axis {d}.");
        var strides = TensorMath.Strides(data.Dims);
        strides[axis] = 0;
        return (indices.Dims.ToArray(), strides);
    }

    /// <summary>Index values made non-negative and checked against the size of the indexed axis.</summary>
    public static long[] Indices(KernelArgs a, Tensor tensor, long dim)
    {
        if (tensor.DataType is not (DataType.Int64 or DataType.Int32))
            throw a.Fail($"indices must be int32 or int64, not {tensor.DataType.OnnxName()}.");
        var indices = tensor.ToInt64Array();
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i];
            if (index < -dim || index >= dim) throw a.Fail($"index {index} is out of range for a dimension of {dim}.");
            if (index < 0) indices[i] = index + dim;
        }
        return indices;
    }
}

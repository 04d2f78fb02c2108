using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>OneHot.</summary>
internal static class OneHotKernels
{
    /// <summary>
    /// OneHot(indices, depth, values=[off, on]): a new axis of size depth holds on at each index and off elsewhere.
    /// Indices in [-depth, depth) count from the end when negative; others give an all-off line.
    /// </summary>
    public static Tensor OneHot(KernelArgs a)
    {
        a.AtMostInputs(3);
        var indicesTensor = a.Input(0);
        var depthTensor = a.Input(1);
        var values = a.Input(2);
        if (values.ElementCount != 2) throw a.Fail($"values must hold [off, on], not {values.ElementCount} elements.");
        if (depthTensor.ElementCount != 1) throw a.Fail("depth must be a scalar.");
        long depth = CastKernels.Convert(a, depthTensor, DataType.Int64).ToArray<long>()[0];
        if (depth < 1) throw a.Fail($"depth is {depth}.");
        var indices = Indices(a, indicesTensor);

        int rank = indicesTensor.Rank + 1;
        int axis = a.Axis(a.Node.GetInt("axis", -1), rank);
        var dims = indicesTensor.Dims.Take(axis).Append(depth).Concat(indicesTensor.Dims.Skip(axis)).ToArray();
        long inner = TensorMath.Count(indicesTensor.Dims, axis, indicesTensor.Rank);
        var source = ElementArray.Of(values);
        var result = ElementArray.Allocate(values.DataType, TensorMath.Count(dims));
        result.Fill(source, 0);
        for (long p = 0; p < indices.Length; p++)
        {
            if (indices[p] is not { } index) continue;
            if (index < 0) index += depth;
            if (index < 0 || index >= depth) continue;
            long outer = p / inner, within = p % inner;
            source.CopyTo(1, result, (outer * depth + index) * inner + within, 1);
        }
        return result.ToTensor(dims);
    }

    /// <summary>Index values as integers; a fractional float index matches no position (as in ONNX Runtime), so it is null.</summary>
    private static long?[] Indices(KernelArgs a, Tensor tensor)
    {
        if (!tensor.DataType.IsFloatingPoint())
            return Array.ConvertAll(CastKernels.Convert(a, tensor, DataType.Int64).ToArray<long>(), v => (long?)v);
        return Array.ConvertAll(CastKernels.Convert(a, tensor, DataType.Double).ToArray<double>(),
            v => Math.Floor(v) == v && Math.Abs(v) < 1e18 ? (long?)v : null);
    }
}

using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>NonZero.</summary>
internal static class NonZeroKernels
{
    /// <summary>NonZero: int64 [rank, count] coordinates of the non-zero elements in row-major order (a scalar counts as rank 1).</summary>
    public static Tensor NonZero(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        if (x.DataType == DataType.Bool) x = Tensor.FromRaw(DataType.UInt8, x.Dims.ToArray(), x.RawBytes);
        return Numeric.Dispatch(a, x.DataType, new Find(x));
    }

    private readonly struct Find(Tensor x) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var xs = x.AsSpan<T>();
            var hits = new List<long>();
            for (int i = 0; i < xs.Length; i++)
                if (xs[i] != T.Zero) hits.Add(i);
            long[] dims = x.Rank == 0 ? [1] : x.Dims.ToArray();
            var strides = TensorMath.Strides(dims);
            var coordinates = new long[dims.Length * hits.Count];
            for (int h = 0; h < hits.Count; h++)
                for (int d = 0; d < dims.Length; d++)
                    coordinates[d * hits.Count + h] = hits[h] / strides[d] % dims[d];
            return Tensor.FromArray(coordinates, dims.Length, hits.Count);
        }
    }
}

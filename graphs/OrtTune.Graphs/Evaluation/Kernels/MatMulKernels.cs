using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>MatMul with numpy semantics: 1-D operands are promoted and the added axis dropped; batch axes broadcast.</summary>
internal static class MatMulKernels
{
    public static Tensor MatMul(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var y = a.Input(1);
        var type = a.SameType(x, y);
        if (x.Rank == 0 || y.Rank == 0) throw a.Fail("MatMul needs operands of rank 1 or more.");
        long[] xDims = x.Rank == 1 ? [1, x.Dims[0]] : x.Dims.ToArray();
        long[] yDims = y.Rank == 1 ? [y.Dims[0], 1] : y.Dims.ToArray();
        long n = xDims[^2], k = xDims[^1], m = yDims[^1];
        if (yDims[^2] != k)
            throw a.Fail($"cannot multiply [{string.Join(",", x.Dims)}] by [{string.Join(",", y.Dims)}].");
        var xBatch = xDims[..^2];
        var yBatch = yDims[..^2];
        var batch = TensorMath.Broadcast(xBatch, yBatch)
            ?? throw a.Fail($"batch shapes [{string.Join(",", xBatch)}] and [{string.Join(",", yBatch)}] do not broadcast.");
        var dims = batch.ToList();
        if (x.Rank > 1) dims.Add(n);
        if (y.Rank > 1) dims.Add(m);
        var layout = new Layout(batch, TensorMath.BroadcastStrides(xBatch, batch), TensorMath.BroadcastStrides(yBatch, batch), n, k, m);
        return Numeric.Dispatch(a, type, new Product(x, y, layout, dims.ToArray()));
    }

    /// <summary>Batch shape, per-operand batch strides (in matrices), and the matrix sizes.</summary>
    private sealed record Layout(long[] Batch, long[] XStrides, long[] YStrides, long N, long K, long M);

    private readonly struct Product(Tensor x, Tensor y, Layout l, long[] dims) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var xs = x.AsSpan<T>();
            var ys = y.AsSpan<T>();
            var result = new T[TensorMath.Count(dims)];
            long batches = TensorMath.Count(l.Batch);
            var walker = new StridedWalker(l.Batch, l.XStrides, l.YStrides);
            // Floating-point sums accumulate in double and round once, so the result is as exact as it can be.
            bool isFloat = Numeric.IsFloat<T>();
            int at = 0;
            for (long b = 0; b < batches; b++, walker.Next())
            {
                long xBase = walker.Offsets[0] * l.N * l.K, yBase = walker.Offsets[1] * l.K * l.M;
                for (long i = 0; i < l.N; i++)
                    for (long j = 0; j < l.M; j++)
                    {
                        if (isFloat)
                        {
                            double sum = 0;
                            for (long p = 0; p < l.K; p++)
                                sum += double.CreateTruncating(xs[(int)(xBase + i * l.K + p)]) * double.CreateTruncating(ys[(int)(yBase + p * l.M + j)]);
                            result[at++] = T.CreateTruncating(sum);
                        }
                        else
                        {
                            T sum = T.Zero;
                            for (long p = 0; p < l.K; p++) sum += xs[(int)(xBase + i * l.K + p)] * ys[(int)(yBase + p * l.M + j)];
                            result[at++] = sum;
                        }
                    }
            }
            return Tensor.FromArray(result, dims);
        }
    }
}

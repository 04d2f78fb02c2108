using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>
/// ReduceSum/Mean/Max/Min/Prod. Axes come from the axes input (ReduceSum opset 13+, the others 18+) when the node
/// has one, else from the axes attribute; no axes means all axes unless noop_with_empty_axes.
/// </summary>
internal static class ReduceKernels
{
    private enum ReduceOp { Sum, Mean, Max, Min, Prod }

    public static Tensor ReduceSum(KernelArgs a) => Reduce(a, ReduceOp.Sum);
    public static Tensor ReduceMean(KernelArgs a) => Reduce(a, ReduceOp.Mean);
    public static Tensor ReduceMax(KernelArgs a) => Reduce(a, ReduceOp.Max);
    public static Tensor ReduceMin(KernelArgs a) => Reduce(a, ReduceOp.Min);
    public static Tensor ReduceProd(KernelArgs a) => Reduce(a, ReduceOp.Prod);

    private static Tensor Reduce(KernelArgs a, ReduceOp op)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        long[]? axes = a.Has(1) ? a.Ints(a.Input(1), "axes") : a.Node.GetInts("axes");
        bool keepDims = a.Node.GetInt("keepdims", 1) != 0;
        if (axes is null || axes.Length == 0)
        {
            if (a.Node.GetInt("noop_with_empty_axes", 0) != 0) return x;
            axes = Enumerable.Range(0, x.Rank).Select(i => (long)i).ToArray();
        }
        var reduced = new bool[x.Rank];
        foreach (long axis in axes) reduced[a.Axis(axis, x.Rank)] = true;

        // Walking the input with the output's strides (zero on reduced axes) lands each element on its accumulator.
        var keptDims = x.Dims.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var strides = TensorMath.Strides(keptDims);
        for (int i = 0; i < x.Rank; i++) if (reduced[i]) strides[i] = 0;
        var dims = keepDims ? keptDims : x.Dims.Where((_, i) => !reduced[i]).ToArray();
        long count = TensorMath.Count(x.Dims.Where((_, i) => reduced[i]).ToArray());

        // Half has too few bits to accumulate in; reduce in float and round once.
        if (x.DataType == DataType.Float16)
        {
            var wide = Numeric.Dispatch(a, DataType.Float, new Reducer(a, CastKernels.Convert(a, x, DataType.Float), dims, strides, count, op));
            return CastKernels.Convert(a, wide, DataType.Float16);
        }
        return Numeric.Dispatch(a, x.DataType, new Reducer(a, x, dims, strides, count, op));
    }

    private readonly struct Reducer(KernelArgs a, Tensor x, long[] dims, long[] strides, long count, ReduceOp op) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            bool isFloat = Numeric.IsFloat<T>();
            T init = op switch
            {
                ReduceOp.Prod => T.One,
                ReduceOp.Max => isFloat ? T.CreateTruncating(double.NegativeInfinity) : T.MinValue,
                ReduceOp.Min => isFloat ? T.CreateTruncating(double.PositiveInfinity) : T.MaxValue,
                _ => T.Zero,
            };
            Func<T, T, T> f = op switch
            {
                ReduceOp.Prod => (p, q) => p * q,
                ReduceOp.Max => T.Max,
                ReduceOp.Min => T.Min,
                _ => (p, q) => p + q,
            };
            var acc = new T[TensorMath.Count(dims)];
            Array.Fill(acc, init);
            var xs = x.AsSpan<T>();
            var walker = new StridedWalker(x.Dims.ToArray(), strides);
            for (int i = 0; i < xs.Length; i++, walker.Next())
            {
                long o = walker.Offsets[0];
                acc[o] = f(acc[o], xs[i]);
            }
            if (op == ReduceOp.Mean)
            {
                if (!isFloat && count == 0) throw a.Fail("the mean of no integers is undefined.");
                var n = T.CreateTruncating(count);
                for (int i = 0; i < acc.Length; i++) acc[i] /= n;
            }
            return Tensor.FromArray(acc, dims);
        }
    }
}

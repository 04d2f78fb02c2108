using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Comparisons, boolean logic and Where, with numpy broadcasting. Results are bool tensors (one byte, 0 or 1).</summary>
internal static class LogicKernels
{
    private enum Comparison { Equal, Less, Greater, LessOrEqual, GreaterOrEqual }

    public static Tensor Equal(KernelArgs a) => CompareOf(a, Comparison.Equal);
    public static Tensor Less(KernelArgs a) => CompareOf(a, Comparison.Less);
    public static Tensor Greater(KernelArgs a) => CompareOf(a, Comparison.Greater);
    public static Tensor LessOrEqual(KernelArgs a) => CompareOf(a, Comparison.LessOrEqual);
    public static Tensor GreaterOrEqual(KernelArgs a) => CompareOf(a, Comparison.GreaterOrEqual);

    public static Tensor And(KernelArgs a) => Logical(a, (p, q) => (p & q) != 0);
    public static Tensor Or(KernelArgs a) => Logical(a, (p, q) => (p | q) != 0);
    public static Tensor Xor(KernelArgs a) => Logical(a, (p, q) => (p != 0) != (q != 0));

    public static Tensor Not(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = Bool(a, a.Input(0));
        return Tensor.FromArray(TensorMath.Map(x.AsSpan<byte>(), v => v == 0), x.Dims.ToArray());
    }

    /// <summary>Where(condition, x, y): x where the condition holds, else y; all three broadcast together.</summary>
    public static Tensor Where(KernelArgs a)
    {
        a.AtMostInputs(3);
        var condition = Bool(a, a.Input(0));
        var x = a.Input(1);
        var y = a.Input(2);
        a.SameType(x, y);
        var dims = a.Broadcast(condition, x, y);
        var flags = condition.AsSpan<byte>();
        var xs = ElementArray.Of(x);
        var ys = ElementArray.Of(y);
        var result = ElementArray.Allocate(x.DataType, TensorMath.Count(dims));
        var walker = new StridedWalker(dims, TensorMath.BroadcastStrides(condition.Dims, dims),
            TensorMath.BroadcastStrides(x.Dims, dims), TensorMath.BroadcastStrides(y.Dims, dims));
        for (long i = 0; i < result.Length; i++, walker.Next())
        {
            var offsets = walker.Offsets;
            if (flags[(int)offsets[0]] != 0) xs.CopyTo(offsets[1], result, i, 1);
            else ys.CopyTo(offsets[2], result, i, 1);
        }
        return result.ToTensor(dims);
    }

    private static Tensor CompareOf(KernelArgs a, Comparison op)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var y = a.Input(1);
        var type = a.SameType(x, y);
        if (op == Comparison.Equal && type == DataType.Bool) return Logical(a, (p, q) => p == q);
        if (op == Comparison.Equal && type == DataType.String)
        {
            var dims = a.Broadcast(x, y);
            var equal = TensorMath.Zip<byte[], byte[], bool>(x.Strings.ToArray(), x.Dims, y.Strings.ToArray(), y.Dims, dims,
                (p, q) => p.AsSpan().SequenceEqual(q));
            return Tensor.FromArray(equal, dims);
        }
        return Numeric.Dispatch(a, type, new Compare(a, x, y, op));
    }

    private static Tensor Logical(KernelArgs a, Func<byte, byte, bool> f)
    {
        a.AtMostInputs(2);
        var x = Bool(a, a.Input(0));
        var y = Bool(a, a.Input(1));
        var dims = a.Broadcast(x, y);
        return Tensor.FromArray(TensorMath.Zip(x.AsSpan<byte>(), x.Dims, y.AsSpan<byte>(), y.Dims, dims, f), dims);
    }

    private static Tensor Bool(KernelArgs a, Tensor t) =>
        t.DataType == DataType.Bool ? t : throw a.Fail($"expects bool inputs, not {t.DataType.OnnxName()}.");

    private readonly struct Compare(KernelArgs a, Tensor x, Tensor y, Comparison op) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var dims = a.Broadcast(x, y);
            Func<T, T, bool> f = op switch
            {
                Comparison.Equal => (p, q) => p == q,
                Comparison.Less => (p, q) => p < q,
                Comparison.Greater => (p, q) => p > q,
                Comparison.LessOrEqual => (p, q) => p <= q,
                _ => (p, q) => p >= q,
            };
            return Tensor.FromArray(TensorMath.Zip(x.AsSpan<T>(), x.Dims, y.AsSpan<T>(), y.Dims, dims, f), dims);
        }
    }
}

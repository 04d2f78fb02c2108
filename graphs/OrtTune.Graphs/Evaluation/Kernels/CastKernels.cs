using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>
/// Cast and CastLike between the numeric types and bool, with C semantics as ONNX Runtime has them: float to
/// integer truncates toward zero, integer narrowing wraps, anything to bool is "not zero".
/// </summary>
internal static class CastKernels
{
    public static Tensor Cast(KernelArgs a)
    {
        a.AtMostInputs(1);
        if (a.Node.Attr("to") is not { } to) throw a.Fail("attribute 'to' is required.");
        return Convert(a, a.Input(0), (DataType)to.AsInt());
    }

    public static Tensor CastLike(KernelArgs a)
    {
        a.AtMostInputs(2);
        return Convert(a, a.Input(0), a.Input(1).DataType);
    }

    /// <summary>The elements of <paramref name="x"/> converted to <paramref name="to"/>.</summary>
    public static Tensor Convert(KernelArgs a, Tensor x, DataType to)
    {
        if (x.DataType == to) return x;
        if (x.DataType == DataType.Bool)
            return Convert(a, Tensor.FromRaw(DataType.UInt8, x.Dims.ToArray(), x.RawBytes), to);
        if (to == DataType.Bool)
            return Numeric.Dispatch(a, x.DataType, new ToBool(x));
        return Numeric.Dispatch(a, x.DataType, new From(a, x, to));
    }

    private readonly struct ToBool(Tensor x) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var bytes = TensorMath.Map(x.AsSpan<T>(), v => v != T.Zero ? (byte)1 : (byte)0);
            return Tensor.FromRaw(DataType.Bool, x.Dims.ToArray(), bytes);
        }
    }

    private readonly struct From(KernelArgs a, Tensor x, DataType to) : INumericKernel
    {
        public Tensor Run<TFrom>() where TFrom : unmanaged, INumber<TFrom>, IMinMaxValue<TFrom> =>
            Numeric.Dispatch(a, to, new To<TFrom>(x));
    }

    private readonly struct To<TFrom>(Tensor x) : INumericKernel where TFrom : unmanaged, INumber<TFrom>
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            // ONNX Runtime narrows double to float16 through float; going direct could round differently.
            Func<TFrom, T> convert = typeof(TFrom) == typeof(double) && typeof(T) == typeof(Half)
                ? v => T.CreateTruncating((float)double.CreateTruncating(v))
                : T.CreateTruncating<TFrom>;
            return Tensor.FromArray(TensorMath.Map(x.AsSpan<TFrom>(), convert), x.Dims.ToArray());
        }
    }
}

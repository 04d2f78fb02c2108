using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>
/// Element-wise arithmetic with numpy broadcasting: binary and variadic maths, unary functions, Clip.
/// Integer division truncates toward zero (C semantics, as ONNX Runtime computes it).
/// </summary>
internal static class ElementwiseKernels
{
    private enum BinaryOp { Add, Sub, Mul, Div, Mod, FMod, Max, Min }

    private enum UnaryOp { Neg, Abs, Relu, Sign }

    private enum FloatOp { Sqrt, Reciprocal, Exp, Log, Erf, Tanh, Sigmoid, Cos, Sin, Floor, Ceil, Round }

    public static Tensor Add(KernelArgs a) => BinaryOf(a, BinaryOp.Add);
    public static Tensor Sub(KernelArgs a) => BinaryOf(a, BinaryOp.Sub);
    public static Tensor Mul(KernelArgs a) => BinaryOf(a, BinaryOp.Mul);
    public static Tensor Div(KernelArgs a) => BinaryOf(a, BinaryOp.Div);

    /// <summary>Mod: fmod=0 takes the sign of the divisor (Python, integers only); fmod=1 that of the dividend (C fmod).</summary>
    public static Tensor Mod(KernelArgs a)
    {
        bool fmod = a.Node.GetInt("fmod", 0) != 0;
        if (!fmod && a.Input(0).DataType.IsFloatingPoint()) throw a.Fail("fmod must be 1 for floating-point inputs.");
        return BinaryOf(a, fmod ? BinaryOp.FMod : BinaryOp.Mod);
    }

    public static Tensor Max(KernelArgs a) => Variadic(a, BinaryOp.Max);
    public static Tensor Min(KernelArgs a) => Variadic(a, BinaryOp.Min);
    public static Tensor Sum(KernelArgs a) => Variadic(a, BinaryOp.Add);

    public static Tensor Mean(KernelArgs a)
    {
        var sum = Variadic(a, BinaryOp.Add);
        var count = CastKernels.Convert(a, Tensor.Scalar((long)a.InputCount), sum.DataType);
        return Numeric.Dispatch(a, sum.DataType, new Binary(a, sum, count, BinaryOp.Div));
    }

    /// <summary>Pow: the exponent may have another numeric type; computed in double and converted to the base's type.</summary>
    public static Tensor Pow(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var y = a.Input(1);
        var exponents = CastKernels.Convert(a, y, DataType.Double);
        return Numeric.Dispatch(a, x.DataType, new Power(a, x, exponents));
    }

    public static Tensor Neg(KernelArgs a) => UnaryOf(a, UnaryOp.Neg);
    public static Tensor Abs(KernelArgs a) => UnaryOf(a, UnaryOp.Abs);
    public static Tensor Relu(KernelArgs a) => UnaryOf(a, UnaryOp.Relu);
    public static Tensor Sign(KernelArgs a) => UnaryOf(a, UnaryOp.Sign);

    public static Tensor Sqrt(KernelArgs a) => Float(a, FloatOp.Sqrt);
    public static Tensor Reciprocal(KernelArgs a) => Float(a, FloatOp.Reciprocal);
    public static Tensor Exp(KernelArgs a) => Float(a, FloatOp.Exp);
    public static Tensor Log(KernelArgs a) => Float(a, FloatOp.Log);
    public static Tensor Erf(KernelArgs a) => Float(a, FloatOp.Erf);
    public static Tensor Tanh(KernelArgs a) => Float(a, FloatOp.Tanh);
    public static Tensor Sigmoid(KernelArgs a) => Float(a, FloatOp.Sigmoid);
    public static Tensor Cos(KernelArgs a) => Float(a, FloatOp.Cos);
    public static Tensor Sin(KernelArgs a) => Float(a, FloatOp.Sin);
    public static Tensor Floor(KernelArgs a) => Float(a, FloatOp.Floor);
    public static Tensor Ceil(KernelArgs a) => Float(a, FloatOp.Ceil);
    public static Tensor Round(KernelArgs a) => Float(a, FloatOp.Round);

    /// <summary>Clip: min/max inputs (opset 11+) or float attributes (opset 6); min(max(x, lo), hi) like ONNX Runtime.</summary>
    public static Tensor Clip(KernelArgs a)
    {
        a.AtMostInputs(3);
        var x = a.Input(0);
        Tensor? lo, hi;
        if (a.InputCount > 1)
        {
            lo = a.Optional(1);
            hi = a.Optional(2);
            foreach (var bound in new[] { lo, hi })
                if (bound is not null && (bound.ElementCount != 1 || bound.DataType != x.DataType))
                    throw a.Fail($"min and max must be {x.DataType.OnnxName()} scalars.");
        }
        else
        {
            lo = a.Node.Attr("min") is { } min ? CastKernels.Convert(a, Tensor.Scalar(min.AsFloat()), x.DataType) : null;
            hi = a.Node.Attr("max") is { } max ? CastKernels.Convert(a, Tensor.Scalar(max.AsFloat()), x.DataType) : null;
        }
        return Numeric.Dispatch(a, x.DataType, new ClipKernel(x, lo, hi));
    }

    private static Tensor BinaryOf(KernelArgs a, BinaryOp op)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        var y = a.Input(1);
        return Numeric.Dispatch(a, a.SameType(x, y), new Binary(a, x, y, op));
    }

    private static Tensor Variadic(KernelArgs a, BinaryOp op)
    {
        if (a.InputCount == 0) throw a.Fail("needs at least one input.");
        var result = a.Input(0);
        for (int i = 1; i < a.InputCount; i++)
        {
            var next = a.Input(i);
            result = Numeric.Dispatch(a, a.SameType(result, next), new Binary(a, result, next, op));
        }
        return result;
    }

    private static Tensor UnaryOf(KernelArgs a, UnaryOp op)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        return Numeric.Dispatch(a, x.DataType, new Unary(x, op));
    }

    private static Tensor Float(KernelArgs a, FloatOp op)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        return Numeric.DispatchFloat(a, x.DataType, new FloatUnary(x, op));
    }

    private readonly struct Binary(KernelArgs a, Tensor x, Tensor y, BinaryOp op) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var dims = a.Broadcast(x, y);
            var args = a;
            bool isFloat = Numeric.IsFloat<T>();
            Func<T, T, T> f = op switch
            {
                BinaryOp.Add => (p, q) => p + q,
                BinaryOp.Sub => (p, q) => p - q,
                BinaryOp.Mul => (p, q) => p * q,
                BinaryOp.Div => (p, q) => isFloat ? p / q : p / NonZero(args, q),
                BinaryOp.FMod => (p, q) => isFloat ? p % q : p % NonZero(args, q),
                BinaryOp.Mod => (p, q) =>
                {
                    var r = p % NonZero(args, q);
                    return r != T.Zero && T.IsNegative(r) != T.IsNegative(q) ? r + q : r;
                },
                BinaryOp.Max => T.Max,
                _ => T.Min,
            };
            return Tensor.FromArray(TensorMath.Zip(x.AsSpan<T>(), x.Dims, y.AsSpan<T>(), y.Dims, dims, f), dims);
        }

        private static T NonZero<T>(KernelArgs a, T divisor) where T : INumber<T> =>
            divisor != T.Zero ? divisor : throw a.Fail("integer division by zero.");
    }

    private readonly struct Power(KernelArgs a, Tensor x, Tensor exponents) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var dims = a.Broadcast(x, exponents);
            var values = TensorMath.Zip(x.AsSpan<T>(), x.Dims, exponents.AsSpan<double>(), exponents.Dims, dims,
                (b, e) => T.CreateTruncating(Math.Pow(double.CreateTruncating(b), e)));
            return Tensor.FromArray(values, dims);
        }
    }

    private readonly struct Unary(Tensor x, UnaryOp op) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            // Written out rather than T.Abs, which throws on the most negative integer instead of wrapping like C.
            Func<T, T> f = op switch
            {
                UnaryOp.Neg => v => -v,
                UnaryOp.Abs => v => T.IsNegative(v) ? -v : v,
                UnaryOp.Relu => v => v < T.Zero ? T.Zero : v,
                _ => v => T.IsNaN(v) ? v : v > T.Zero ? T.One : v < T.Zero ? -T.One : T.Zero,
            };
            return Tensor.FromArray(TensorMath.Map(x.AsSpan<T>(), f), x.Dims.ToArray());
        }
    }

    private readonly struct FloatUnary(Tensor x, FloatOp op) : IFloatKernel
    {
        public Tensor Run<T>() where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>
        {
            Func<T, T> f = op switch
            {
                FloatOp.Sqrt => T.Sqrt,
                FloatOp.Reciprocal => v => T.One / v,
                FloatOp.Exp => T.Exp,
                FloatOp.Log => T.Log,
                FloatOp.Erf => v => T.CreateTruncating(ErrorFunction(double.CreateTruncating(v))),
                FloatOp.Tanh => T.Tanh,
                FloatOp.Sigmoid => v => T.One / (T.One + T.Exp(-v)),
                FloatOp.Cos => T.Cos,
                FloatOp.Sin => T.Sin,
                FloatOp.Floor => T.Floor,
                FloatOp.Ceil => T.Ceiling,
                _ => T.Round, // half to even, as ONNX Round specifies
            };
            return Tensor.FromArray(TensorMath.Map(x.AsSpan<T>(), f), x.Dims.ToArray());
        }
    }

    private readonly struct ClipKernel(Tensor x, Tensor? lo, Tensor? hi) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            T min = lo is null ? T.MinValue : lo.AsSpan<T>()[0];
            T max = hi is null ? T.MaxValue : hi.AsSpan<T>()[0];
            if (Numeric.IsFloat<T>())
            {
                if (lo is null) min = T.CreateTruncating(double.NegativeInfinity);
                if (hi is null) max = T.CreateTruncating(double.PositiveInfinity);
            }
            return Tensor.FromArray(TensorMath.Map(x.AsSpan<T>(), v =>
            {
                var r = v < min ? min : v;
                return max < r ? max : r;
            }), x.Dims.ToArray());
        }
    }

    /// <summary>
    /// erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1)): every term is positive, so the sum
    /// does not cancel; beyond |x| = 6, erf is 1 to double precision.
    /// </summary>
    internal static double ErrorFunction(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax >= 6) return Math.Sign(x);
        double x2 = ax * ax, term = ax, sum = ax;
        for (int n = 1; term > sum * 1e-17; n++)
        {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum, x);
    }
}

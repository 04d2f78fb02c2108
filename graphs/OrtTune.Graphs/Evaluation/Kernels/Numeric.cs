using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>A kernel body written once for every numeric element type; <see cref="Numeric.Dispatch"/> picks T.</summary>
internal interface INumericKernel
{
    Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>A kernel body for the floating-point element types (float, double, float16).</summary>
internal interface IFloatKernel
{
    Tensor Run<T>() where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>;
}

/// <summary>Maps an ONNX element type to the CLR type that a generic kernel body runs with.</summary>
internal static class Numeric
{
    public static Tensor Dispatch<TKernel>(KernelArgs args, DataType type, TKernel kernel) where TKernel : INumericKernel =>
        type switch
        {
            DataType.Float => kernel.Run<float>(),
            DataType.Double => kernel.Run<double>(),
            DataType.Float16 => kernel.Run<Half>(),
            DataType.Int64 => kernel.Run<long>(),
            DataType.Int32 => kernel.Run<int>(),
            DataType.Int16 => kernel.Run<short>(),
            DataType.Int8 => kernel.Run<sbyte>(),
            DataType.UInt64 => kernel.Run<ulong>(),
            DataType.UInt32 => kernel.Run<uint>(),
            DataType.UInt16 => kernel.Run<ushort>(),
            DataType.UInt8 => kernel.Run<byte>(),
            _ => throw args.Unsupported(type),
        };

    public static Tensor DispatchFloat<TKernel>(KernelArgs args, DataType type, TKernel kernel) where TKernel : IFloatKernel =>
        type switch
        {
            DataType.Float => kernel.Run<float>(),
            DataType.Double => kernel.Run<double>(),
            DataType.Float16 => kernel.Run<Half>(),
            _ => throw args.Unsupported(type),
        };

    /// <summary>True for the floating-point CLR types (a JIT-time constant for value types).</summary>
    public static bool IsFloat<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double) || typeof(T) == typeof(Half);
}

using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Softmax.</summary>
internal static class SoftmaxKernels
{
    /// <summary>
    /// Softmax. Before opset 13 it normalises over all axes from axis (default 1) on; from 13 over axis alone (default
    /// -1). A node does not carry its opset, so only inputs on which both readings agree are evaluated.
    /// </summary>
    public static Tensor Softmax(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        if (x.Rank == 0) throw a.Fail("needs an input of rank 1 or more.");
        long? attr = a.Node.Attr("axis")?.AsInt();
        int axis = a.Axis(attr ?? -1, x.Rank);
        int legacyAxis = attr is null ? Math.Min(1, x.Rank - 1) : axis;
        if (legacyAxis > axis || (x.ElementCount != 0 && TensorMath.Count(x.Dims, legacyAxis, x.Rank) != x.Dims[axis]))
            throw a.Fail($"axis {attr?.ToString() ?? "(default)"} on shape [{string.Join(",", x.Dims)}] means different things " +
                         "before and after opset 13, and a node does not say which applies.");
        return Numeric.DispatchFloat(a, x.DataType, new Normalize(x, axis));
    }

    private readonly struct Normalize(Tensor x, int axis) : IFloatKernel
    {
        public Tensor Run<T>() where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>
        {
            var xs = x.AsSpan<T>();
            var result = new T[xs.Length];
            long outer = TensorMath.Count(x.Dims, 0, axis), dim = x.Dims[axis], inner = TensorMath.Count(x.Dims, axis + 1, x.Rank);
            var exps = new double[dim];
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                {
                    long start = o * dim * inner + i;
                    double max = double.NegativeInfinity, sum = 0;
                    for (long j = 0; j < dim; j++) max = Math.Max(max, double.CreateTruncating(xs[(int)(start + j * inner)]));
                    for (long j = 0; j < dim; j++) sum += exps[j] = Math.Exp(double.CreateTruncating(xs[(int)(start + j * inner)]) - max);
                    for (long j = 0; j < dim; j++) result[start + j * inner] = T.CreateTruncating(exps[j] / sum);
                }
            return Tensor.FromArray(result, x.Dims.ToArray());
        }
    }
}

using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>CumSum along one axis.</summary>
internal static class CumSumKernels
{
    /// <summary>CumSum(x, axis): running sums; exclusive leaves out the element itself, reverse runs from the end.</summary>
    public static Tensor CumSum(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        int axis = a.Axis(a.Int(a.Input(1), "axis"), x.Rank);
        bool exclusive = a.Node.GetInt("exclusive", 0) != 0, reverse = a.Node.GetInt("reverse", 0) != 0;
        return Numeric.Dispatch(a, x.DataType, new Scan(x, axis, exclusive, reverse));
    }

    private readonly struct Scan(Tensor x, int axis, bool exclusive, bool reverse) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            var xs = x.AsSpan<T>();
            var result = new T[xs.Length];
            long outer = TensorMath.Count(x.Dims, 0, axis), dim = x.Dims[axis], inner = TensorMath.Count(x.Dims, axis + 1, x.Rank);
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                {
                    T sum = T.Zero;
                    for (long step = 0; step < dim; step++)
                    {
                        long k = reverse ? dim - 1 - step : step;
                        int at = (int)((o * dim + k) * inner + i);
                        if (exclusive) { result[at] = sum; sum += xs[at]; }
                        else { sum += xs[at]; result[at] = sum; }
                    }
                }
            return Tensor.FromArray(result, x.Dims.ToArray());
        }
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Trilu: keep the upper or lower triangle of the last two axes, zero the rest.</summary>
internal static class TriluKernels
{
    /// <summary>Trilu(x, k): upper keeps j - i >= k, lower keeps j - i <= k, for row i and column j.</summary>
    public static Tensor Trilu(KernelArgs a)
    {
        a.AtMostInputs(2);
        var x = a.Input(0);
        if (x.Rank < 2) throw a.Fail($"needs rank 2 or more, not {x.Rank}.");
        if (x.DataType == DataType.String) throw a.Unsupported(x.DataType);
        long k = a.Optional(1) is { } kTensor ? a.Int(kTensor, "k") : 0;
        bool upper = a.Node.GetInt("upper", 1) != 0;
        long rows = x.Dims[^2], cols = x.Dims[^1];
        k = Math.Clamp(k, -rows - 1, cols + 1); // beyond these every row is kept or dropped whole; avoids overflow
        var source = ElementArray.Of(x);
        var result = ElementArray.Allocate(x.DataType, x.ElementCount); // zero bits: 0 of every numeric type, false
        long matrices = rows * cols == 0 ? 0 : x.ElementCount / (rows * cols);
        for (long m = 0; m < matrices; m++)
            for (long i = 0; i < rows; i++)
            {
                long from = upper ? Math.Max(0, i + k) : 0;
                long to = upper ? cols : Math.Min(cols, i + k + 1);
                long row = (m * rows + i) * cols;
                if (to > from) source.CopyTo(row + from, result, row + from, to - from);
            }
        return result.ToTensor(x.Dims.ToArray());
    }
}

namespace OrtTune.Graphs.Evaluation;

/// <summary>
/// Index arithmetic shared by the constant kernels: element counts, row-major strides, numpy broadcasting and a
/// walker over strided views, so each kernel states its layout instead of repeating loops.
/// </summary>
internal static class TensorMath
{
    /// <summary>The number of elements of <paramref name="dims"/>; fails rather than wrapping around.</summary>
    public static long Count(ReadOnlySpan<long> dims)
    {
        long n = 1;
        foreach (long d in dims)
        {
            if (d < 0) throw new ArgumentException($"Dimension {d} is negative.");
            n = checked(n * d);
        }
        return n;
    }

    /// <summary>The product of dims[start..end): the size of a block of axes.</summary>
    public static long Count(IReadOnlyList<long> dims, int start, int end)
    {
        long n = 1;
        for (int i = start; i < end; i++) n = checked(n * dims[i]);
        return n;
    }

    /// <summary>Row-major strides, in elements.</summary>
    public static long[] Strides(IReadOnlyList<long> dims)
    {
        var strides = new long[dims.Count];
        long step = 1;
        for (int i = dims.Count - 1; i >= 0; i--)
        {
            strides[i] = step;
            step *= dims[i];
        }
        return strides;
    }

    /// <summary>
    /// The numpy (multidirectional) broadcast of several shapes: aligned on the right, each dimension equal or 1.
    /// Null when they do not broadcast.
    /// </summary>
    public static long[]? Broadcast(params IReadOnlyList<long>[] shapes)
    {
        int rank = shapes.Max(s => s.Count);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long dim = 1;
            foreach (var shape in shapes)
            {
                int j = i - (rank - shape.Count);
                if (j < 0) continue;
                long d = shape[j];
                if (d == dim || d == 1) continue;
                if (dim != 1) return null;
                dim = d;
            }
            result[i] = dim;
        }
        return result;
    }

    /// <summary>
    /// Strides that read a tensor of <paramref name="dims"/> as if it had the broadcast shape
    /// <paramref name="target"/>: stride 0 along the axes it is repeated on.
    /// </summary>
    public static long[] BroadcastStrides(IReadOnlyList<long> dims, IReadOnlyList<long> target)
    {
        var own = Strides(dims);
        var strides = new long[target.Count];
        int shift = target.Count - dims.Count;
        for (int i = 0; i < dims.Count; i++)
            strides[i + shift] = dims[i] == 1 && target[i + shift] != 1 ? 0 : own[i];
        return strides;
    }

    public static bool SameDims(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>
    /// Applies <paramref name="f"/> to every pair of broadcast elements of <paramref name="a"/> and
    /// <paramref name="b"/>, producing a dense row-major result of shape <paramref name="outDims"/>.
    /// </summary>
    public static TOut[] Zip<TA, TB, TOut>(ReadOnlySpan<TA> a, IReadOnlyList<long> aDims, ReadOnlySpan<TB> b,
        IReadOnlyList<long> bDims, long[] outDims, Func<TA, TB, TOut> f)
    {
        var result = new TOut[Count(outDims)];
        bool aFull = SameDims(aDims, outDims), bFull = SameDims(bDims, outDims);
        if (aFull && bFull)
        {
            for (int i = 0; i < result.Length; i++) result[i] = f(a[i], b[i]);
        }
        else if (aFull && b.Length == 1)
        {
            for (int i = 0; i < result.Length; i++) result[i] = f(a[i], b[0]);
        }
        else if (bFull && a.Length == 1)
        {
            for (int i = 0; i < result.Length; i++) result[i] = f(a[0], b[i]);
        }
        else
        {
            var walker = new StridedWalker(outDims, BroadcastStrides(aDims, outDims), BroadcastStrides(bDims, outDims));
            for (int i = 0; i < result.Length; i++, walker.Next())
                result[i] = f(a[(int)walker.Offsets[0]], b[(int)walker.Offsets[1]]);
        }
        return result;
    }

    /// <summary>Applies <paramref name="f"/> to every element.</summary>
    public static TOut[] Map<TIn, TOut>(ReadOnlySpan<TIn> x, Func<TIn, TOut> f)
    {
        var result = new TOut[x.Length];
        for (int i = 0; i < result.Length; i++) result[i] = f(x[i]);
        return result;
    }
}

/// <summary>
/// Visits the multi-indices of a shape in row-major order while keeping, for each of several operands, the flat
/// offset that its own strides give for the current index (stride 0 repeats an operand along an axis).
/// </summary>
internal sealed class StridedWalker
{
    private readonly long[] _dims;
    private readonly long[][] _strides;

    public StridedWalker(long[] dims, params long[][] strides)
    {
        foreach (var s in strides)
            if (s.Length != dims.Length) throw new ArgumentException("Every operand needs one stride per dimension.");
        _dims = dims;
        _strides = strides;
        Index = new long[dims.Length];
        Offsets = new long[strides.Length];
    }

    /// <summary>The current multi-index.</summary>
    public long[] Index { get; }

    /// <summary>The current flat offset of each operand.</summary>
    public long[] Offsets { get; }

    /// <summary>Steps to the next multi-index (wrapping to all zeros after the last).</summary>
    public void Next()
    {
        for (int d = _dims.Length - 1; d >= 0; d--)
        {
            Index[d]++;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] += _strides[k][d];
            if (Index[d] < _dims[d]) return;
            for (int k = 0; k < Offsets.Length; k++) Offsets[k] -= _strides[k][d] * _dims[d];
            Index[d] = 0;
        }
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Transpose, as a view with permuted strides.</summary>
internal static class TransposeKernels
{
    /// <summary>Transpose: output axis i is input axis perm[i]; without perm, the axes are reversed.</summary>
    public static Tensor Transpose(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        var perm = a.Node.GetInts("perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank || perm.Distinct().Count() != x.Rank || perm.Any(p => p < 0 || p >= x.Rank))
            throw a.Fail($"perm [{string.Join(",", perm)}] is not a permutation of the {x.Rank} axes.");
        var strides = TensorMath.Strides(x.Dims);
        var dims = perm.Select(p => x.Dims[(int)p]).ToArray();
        return ElementArray.View(x, 0, dims, perm.Select(p => strides[p]).ToArray());
    }
}

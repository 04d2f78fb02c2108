namespace OrtTune.Graphs.Autodiff.Rules;

internal static class TransposeGradients
{
    /// <summary>y = transpose(x, perm): dx = transpose(dy, perm⁻¹). No perm means the axes reversed.</summary>
    public static void Transpose(GradientContext c)
    {
        int rank = c.Shape(c.Input(0)).Length;
        var perm = c.Node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        var inverse = new long[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        c.SetGrad(0, c.Ops.Transpose(c.OutputGrad(0)!, inverse));
    }
}

namespace OrtTune.Pipeline.Numerics;

/// <summary>Small, exactly specified helpers over score vectors, shared by evaluation, sampling and the GNN trainer.</summary>
internal static class Scores
{
    /// <summary>Index of the largest value; the first one on ties, and NaNs never win (unlike TensorPrimitives.IndexOfMax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// The shuffle seed of one epoch. HashCode.Combine is randomised per process, so the mix is written out: runs and
    /// resumed runs see the same order.
    /// </summary>
    public static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch);
}

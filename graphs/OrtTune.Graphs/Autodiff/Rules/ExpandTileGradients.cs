namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Ops that repeat their input: each copy's gradient is added back into the element it came from.</summary>
internal static class ExpandTileGradients
{
    /// <summary>Expand broadcasts like numpy: sum over the broadcast axes.</summary>
    public static void Expand(GradientContext c) =>
        c.SetGrad(0, c.Ops.Unbroadcast(c.OutputGrad(0)!, c.Input(0)));

    /// <summary>
    /// Tile lays rᵢ copies of axis i (size dᵢ) end to end, so output index k·dᵢ + j comes from j: view the gradient
    /// as [r₀, d₀, r₁, d₁, …] and sum the r axes. The repeats follow from the static shapes.
    /// </summary>
    public static void Tile(GradientContext c)
    {
        var o = c.Ops;
        var x = c.Input(0);
        var input = c.Shape(x);
        var output = c.Shape(c.Output(0));
        if (input.Contains(0))
        {
            c.SetGrad(0, o.ZerosLike(x));
            return;
        }
        var split = new long[2 * input.Length];
        var repeatAxes = new List<long>();
        for (int i = 0; i < input.Length; i++)
        {
            split[2 * i] = output[i] / input[i];
            split[2 * i + 1] = input[i];
            if (split[2 * i] != 1) repeatAxes.Add(2 * i);
        }
        var summed = o.ReduceSum(o.Reshape(c.OutputGrad(0)!, split), repeatAxes.ToArray(), keepDims: true);
        c.SetGrad(0, o.Reshape(summed, input));
    }
}

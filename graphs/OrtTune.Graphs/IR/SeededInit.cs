namespace OrtTune.Graphs.IR;

/// <summary>
/// Seeded initial parameter values, so that building artifacts is reproducible: the new classification head's
/// normal weights, LoRA's uniform A, and PyG's initialisers for the GNN layers OrtTune mirrors. One generator per
/// instance; every call draws the next values from it.
/// </summary>
public sealed class SeededInit(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Glorot/Xavier uniform over the last two axes, U(−a, a) with a = √(6 / (fan_in + fan_out)).</summary>
    public Tensor Glorot(params long[] dims)
    {
        double a = Math.Sqrt(6.0 / (dims[^2] + dims[^1]));
        return Uniform(a, dims);
    }

    /// <summary>torch.nn.Linear's default: U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5).</summary>
    public Tensor LinearDefault(long fanIn, params long[] dims) => Uniform(1 / Math.Sqrt(fanIn), dims);

    /// <summary>Standard normal values (nn.Embedding's initialiser).</summary>
    public Tensor Normal(params long[] dims) => Normal(1.0, dims);

    /// <summary>N(0, std²) by Box–Muller.</summary>
    public Tensor Normal(double std, params long[] dims)
    {
        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
            data[i] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));
        return Tensor.FromArray(data, dims);
    }

    /// <summary>U(−bound, bound).</summary>
    public Tensor Uniform(double bound, params long[] dims)
    {
        var data = new float[dims.Aggregate(1L, (x, y) => x * y)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((_random.NextDouble() * 2 - 1) * bound);
        return Tensor.FromArray(data, dims);
    }

    public static Tensor Zeros(params long[] dims) => Tensor.FromArray(new float[dims.Aggregate(1L, (a, b) => a * b)], dims);
}

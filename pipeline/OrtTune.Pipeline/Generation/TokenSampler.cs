using OrtTune.Pipeline.Numerics;
namespace OrtTune.Pipeline.Generation;

/// <summary>Picks a token from one position's logits: greedy, or softmax sampling with temperature and top-k.</summary>
public sealed class TokenSampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = new Random(options.Seed);
    }

    public long Next(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("No logits to sample from.");
        if (_options.Temperature == 0) return Scores.ArgMax(logits);
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var values = logits.ToArray();
        // Stable order (ties by index), so the same seed gives the same token everywhere.
        Array.Sort(order, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        int k = _options.TopK > 0 ? Math.Min(_options.TopK, order.Length) : order.Length;
        double max = values[order[0]];
        var weights = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) sum += weights[i] = Math.Exp((values[order[i]] - max) / _options.Temperature);
        double u = _random.NextDouble() * sum;
        for (int i = 0; i < k; i++)
        {
            u -= weights[i];
            if (u < 0) return order[i];
        }
        return order[k - 1];
    }
}

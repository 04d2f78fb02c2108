namespace OrtTune.Pipeline.Generation;

/// <summary>How <see cref="CausalLmGenerator"/> picks each next token.</summary>
public sealed record SamplingOptions
{
    /// <summary>Tokens to add after the prompt. Default 32.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Softmax temperature; 0 (the default) picks the most likely token (greedy).</summary>
    public float Temperature { get; init; }

    /// <summary>Sample among the K most likely tokens only; 0 (the default) among all.</summary>
    public int TopK { get; init; }

    /// <summary>Seed of the sampler, so a run is repeatable. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Stop after emitting this token (e.g. end-of-sequence). Default null: never stop early.</summary>
    public long? StopToken { get; init; }

    internal void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"The number of new tokens cannot be negative, got {MaxNewTokens}.");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) throw new ArgumentException($"The temperature must be 0 (greedy) or positive, got {Temperature}.");
        if (TopK < 0) throw new ArgumentException($"top-k must be 0 (off) or positive, got {TopK}.");
    }
}

using System.Globalization;
using OrtTune.Graphs.Diagnostics;

namespace OrtTune.Graphs.Rewrites;

/// <summary>How the hidden states of a sequence become one vector for the classifier.</summary>
public enum HeadPooling
{
    /// <summary>The last real (unmasked) token: what a causal model has read the whole text at. The default.</summary>
    Last,
    /// <summary>The mean over real tokens.</summary>
    Mean,
    /// <summary>The first token ([CLS] in BERT-style encoders).</summary>
    First,
}

/// <summary>
/// A new sequence-classification head in place of the model's output layer (e.g. an LM head): pooled hidden state ·
/// Wᵀ + b, W [classes, d] drawn from N(0, 0.02²) with <see cref="Seed"/>, b zeros; with <see cref="Pooler"/>, a dense
/// d×d layer and tanh come first. Spec: "CLASSES[:last|mean|first][:pooler]".
/// </summary>
public sealed record ClassificationHeadOptions
{
    /// <summary>Number of classes. Required, at least 2.</summary>
    public required int Classes { get; init; }

    /// <summary>Pooling over the sequence. Default <see cref="HeadPooling.Last"/>.</summary>
    public HeadPooling Pooling { get; init; } = HeadPooling.Last;

    /// <summary>
    /// Whether the pooled vector goes through tanh(p·Pᵀ + c), P [d, d] from N(0, 0.02²), c zeros, before the classifier:
    /// BERT's pooler, which the TokenTune paper's classifier has, and RoBERTa's classification head. Default false.
    /// </summary>
    public bool Pooler { get; init; }

    /// <summary>Seed of the weight initialisation. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>The hidden-state value to pool ([batch, seq, d]). Default: the input of the layer producing the model's output.</summary>
    public string? Hidden { get; init; }

    /// <summary>Reads "CLASSES[:last|mean|first][:pooler]", e.g. "2", "4:mean" or "2:mean:pooler".</summary>
    public static ClassificationHeadOptions Parse(string spec)
    {
        var parts = spec.Split(':', 3, StringSplitOptions.TrimEntries);
        if (!int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int classes) || classes < 2)
            throw new OrtTuneException($"--head expects CLASSES[:last|mean|first][:pooler] with at least 2 classes, got '{spec}'.");
        var pooling = parts.Length == 1 ? HeadPooling.Last : parts[1].ToLowerInvariant() switch
        {
            "last" => HeadPooling.Last,
            "mean" => HeadPooling.Mean,
            "first" => HeadPooling.First,
            var other => throw new OrtTuneException($"--head pooling must be last, mean or first, got '{other}'."),
        };
        if (parts.Length == 3 && !parts[2].Equals("pooler", StringComparison.OrdinalIgnoreCase))
            throw new OrtTuneException($"--head: after the pooling only 'pooler' (a dense layer with tanh) may follow, got '{parts[2]}'.");
        return new ClassificationHeadOptions { Classes = classes, Pooling = pooling, Pooler = parts.Length == 3 };
    }

    public string ToSpec() => $"{Classes}:{Pooling.ToString().ToLowerInvariant()}{(Pooler ? ":pooler" : "")}";
}

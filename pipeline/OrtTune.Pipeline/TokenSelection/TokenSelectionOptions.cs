namespace OrtTune.Pipeline.TokenSelection;

/// <summary>
/// How the runner draws TokenTune's per-example token subsets. The graph side (the rewrite) fixes the number of
/// slots; these settings say how many of them each example fills and which inputs carry the selection.
/// </summary>
public sealed record TokenSelectionOptions
{
    /// <summary>Fraction of the tokens selected (decoder: int(p·(n−2)) random + first and last). Default 0.3 unless <see cref="Count"/> is set.</summary>
    public double? Ratio { get; init; }

    /// <summary>Number of tokens selected instead of a ratio (decoder: min(k, n−2) random + first and last; encoder: k in total). Default null.</summary>
    public int? Count { get; init; }

    /// <summary>True for a causal LM (first and last positions always selected); false for an encoder ([CLS] always selected). Default true.</summary>
    public bool Decoder { get; init; } = true;

    /// <summary>Selection slots per example (the graph's static k). Required.</summary>
    public required int Slots { get; init; }

    /// <summary>Seed; with the epoch and the batch's index in it, it fixes every selection, so a resumed run sees the same ones. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Input the selected positions go to, int64 [batch, slots]. Default "token_select_indices".</summary>
    public string IndicesName { get; init; } = "token_select_indices";

    /// <summary>Input that marks the slots in use (1) and padding (0), int64 [batch, slots]. Default "token_select_mask".</summary>
    public string MaskName { get; init; } = "token_select_mask";

    /// <summary>The token-id input, whose sequence length is n. Default "input_ids".</summary>
    public string IdsInput { get; init; } = "input_ids";

    /// <summary>Input whose ones mark real tokens, for each example's unpadded length. Default "attention_mask" (when the batch has it).</summary>
    public string MaskInput { get; init; } = "attention_mask";

    /// <summary>Labels input: without an attention mask, a decoder's unpadded length ends at its last label that is not <see cref="IgnoreIndex"/>. Default "labels".</summary>
    public string LabelsInput { get; init; } = "labels";

    /// <summary>Label value of padding and prompt positions. Default -100.</summary>
    public long IgnoreIndex { get; init; } = -100;

    public const double DefaultRatio = 0.3;

    /// <summary>The ratio in effect: <see cref="Ratio"/>, or 0.3 when neither a ratio nor a count is given.</summary>
    public double? EffectiveRatio => Count is null ? Ratio ?? DefaultRatio : null;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public TokenSelectionOptions Validate()
    {
        if (Ratio is not null && Count is not null) throw new ArgumentException("Token selection takes a ratio (p=...) or a count (k=...), not both.");
        if (Ratio is { } p && !(p > 0 && p <= 1)) throw new ArgumentException($"Token selection ratio p must be in (0, 1], got {p}.");
        if (Count is { } k && k < 1) throw new ArgumentException($"Token selection count k must be at least 1, got {k}.");
        if (Slots < 1) throw new ArgumentException($"Token selection needs at least one slot per example, got {Slots}.");
        return this;
    }
}

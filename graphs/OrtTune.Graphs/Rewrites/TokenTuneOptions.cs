using System.Globalization;
using OrtTune.Graphs.Diagnostics;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Settings of TokenTune (Simoulin, Park et al., EMNLP 2024): the forward pass covers all tokens, gradients flow
/// through a per-example subset of them. The CLI form is "p=0.3" (a ratio) or "k=32" (a count). Selection rules
/// (the reference's): decoder, ratio p: int(p·(n−2)) random positions plus the first and the last; decoder, count k:
/// min(k, n−2) random plus the first and the last; encoder, count k: k in total including [CLS] (position 0);
/// encoder, ratio p: [CLS] plus int(p·(n−1)) others. The graph is built for the largest count the sequence length
/// allows, its selection inputs hold that many slots, and a validity mask marks the slots an example uses.
/// </summary>
public sealed record TokenTuneOptions
{
    /// <summary>Fraction of the tokens that get gradients (decoder rule int(p·(n−2)) + 2). Default 0.3 unless <see cref="Count"/> is set.</summary>
    public double? Ratio { get; init; }

    /// <summary>Number of tokens that get gradients, instead of <see cref="Ratio"/>. Default null.</summary>
    public int? Count { get; init; }

    /// <summary>
    /// How a classification head's mean pooling trains (CLI "pool=selected|unbiased|all"): <see cref="TokenTunePooling.Selected"/>
    /// (the reference's) by default. Other heads and causal LMs are not affected.
    /// </summary>
    public TokenTunePooling Pooling { get; init; } = TokenTunePooling.Selected;

    /// <summary>
    /// Queries per block when the no-grad branch computes its attention (<see cref="NoGradAttentionBlocks"/>): the
    /// n × n scores of a layer are never all alive at once. Same values; 0 computes each attention whole. Default 128.
    /// </summary>
    public int AttentionBlock { get; init; } = 128;

    /// <summary>The int64 token-id input whose positions are selected. Default "input_ids".</summary>
    public string IdsInput { get; init; } = "input_ids";

    /// <summary>Name of the int64 [batch, k] input with the selected positions of each example. Default "token_select_indices".</summary>
    public string IndicesName { get; init; } = DefaultIndicesName;

    /// <summary>Name of the int64 [batch, k] input that is 1 where a slot holds a selected position, 0 where it is padding. Default "token_select_mask".</summary>
    public string MaskName { get; init; } = DefaultMaskName;

    public const string DefaultIndicesName = "token_select_indices";
    public const string DefaultMaskName = "token_select_mask";
    public const double DefaultRatio = 0.3;

    /// <summary>The ratio in effect: <see cref="Ratio"/>, or 0.3 when neither a ratio nor a count is given.</summary>
    public double? EffectiveRatio => Count is null ? Ratio ?? DefaultRatio : null;

    /// <summary>Throws an <see cref="OrtTuneException"/> naming the first setting out of range.</summary>
    public TokenTuneOptions Validate()
    {
        if (Ratio is not null && Count is not null) throw new OrtTuneException("TokenTune takes a ratio (p=...) or a count (k=...), not both.");
        if (Ratio is { } p && !(p > 0 && p <= 1)) throw new OrtTuneException($"TokenTune ratio p must be in (0, 1], got {p}.");
        if (Count is { } k && k < 1) throw new OrtTuneException($"TokenTune count k must be at least 1, got {k}.");
        if (AttentionBlock < 0) throw new OrtTuneException($"TokenTune's attention block must be 0 (whole) or a number of queries, got {AttentionBlock}.");
        if (IndicesName == MaskName) throw new OrtTuneException($"TokenTune's indices and mask inputs cannot both be named '{IndicesName}'.");
        return this;
    }

    /// <summary>
    /// Largest number of selected tokens of an example of <paramref name="sequence"/> tokens: the static k of the
    /// graph. <paramref name="decoder"/> picks the causal-LM rule (first and last always kept) over the encoder rule.
    /// </summary>
    public int SelectedCount(long sequence, bool decoder)
    {
        Validate();
        if (sequence < 1) throw new OrtTuneException($"TokenTune needs a sequence of at least 1 token, got {sequence}.");
        long n = sequence;
        long count = (decoder, EffectiveRatio) switch
        {
            (true, { } p) => n <= 2 ? n : (long)(p * (n - 2)) + 2,
            (true, null) => n <= 2 ? n : Math.Min(Count!.Value, n - 2) + 2,
            (false, { } p) => 1 + (long)(p * (n - 1)),
            (false, null) => Math.Min(Count!.Value, n),
        };
        return (int)Math.Min(count, n);
    }

    /// <summary>Settings for manifest.json's methods["tokentune"].</summary>
    public Dictionary<string, string> ToSettings(int selected, bool decoder) => new()
    {
        ["rule"] = decoder ? "decoder" : "encoder",
        [EffectiveRatio is null ? "k" : "p"] = EffectiveRatio is { } p ? p.ToString("R", CultureInfo.InvariantCulture) : Count!.Value.ToString(CultureInfo.InvariantCulture),
        ["selected"] = selected.ToString(CultureInfo.InvariantCulture),
        ["indices"] = IndicesName,
        ["mask"] = MaskName,
        ["ids"] = IdsInput,
        ["pooling"] = Pooling.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses "p=0.3" or "k=32" (also "tokentune:p=0.3"), optionally followed by ",pool=selected|unbiased|all".</summary>
    public static TokenTuneOptions Parse(string spec)
    {
        const string usage = "expected p=RATIO (e.g. p=0.3) or k=COUNT (e.g. k=32), optionally followed by ,pool=selected, ,pool=unbiased or ,pool=all";
        var text = spec.Trim();
        if (text.StartsWith("tokentune:", StringComparison.OrdinalIgnoreCase)) text = text["tokentune:".Length..];
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        var parts = items[0].Split('=', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2) throw new OrtTuneException($"Cannot read the token selection '{spec}': {usage}.");
        var options = parts[0].ToLowerInvariant() switch
        {
            "p" when double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => new TokenTuneOptions { Ratio = p },
            "k" when int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) => new TokenTuneOptions { Count = k },
            _ => throw new OrtTuneException($"Cannot read the token selection '{spec}': {usage}."),
        };
        foreach (var item in items.Skip(1))
            options = item.ToLowerInvariant().Replace(" ", "") switch
            {
                "pool=selected" => options with { Pooling = TokenTunePooling.Selected },
                "pool=all" => options with { Pooling = TokenTunePooling.All },
                "pool=unbiased" => options with { Pooling = TokenTunePooling.Unbiased },
                _ => throw new OrtTuneException($"Cannot read '{item}' in the token selection '{spec}': {usage}."),
            };
        return options.Validate();
    }
}

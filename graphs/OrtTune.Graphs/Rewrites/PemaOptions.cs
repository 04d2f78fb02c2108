namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// PEMA (partial embedding matrix adaptation): keep only the input-embedding rows of the token ids the data uses.
/// The ids come from counting the data with the artifacts' tokenizer (`orttune prepare --vocab-from`).
/// </summary>
public sealed record PemaOptions
{
    /// <summary>Token ids the training and evaluation data use (any order, duplicates allowed). Required.</summary>
    public required IReadOnlyCollection<long> UsedIds { get; init; }

    /// <summary>Ids kept even when the data never shows them: pad and the special tokens the pipeline inserts. Default none.</summary>
    public IReadOnlyCollection<long> KeepIds { get; init; } = [];

    /// <summary>The graph input holding token ids. Default "input_ids".</summary>
    public string Input { get; init; } = "input_ids";

    /// <summary>The embedding initializer to shrink. Default: the matrix a Gather reads <see cref="Input"/>'s ids from.</summary>
    public string? Embedding { get; init; }

    /// <summary>The kept ids, ascending and distinct.</summary>
    public long[] SortedIds() => UsedIds.Concat(KeepIds).Distinct().Order().ToArray();
}

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Where the examples come from and how they become batches. The batch size and sequence length are not options:
/// they come from the artifacts (manifest inputs), which were prepared for fixed shapes.
/// </summary>
public sealed record DatasetOptions
{
    /// <summary>The data file (.tsv, .csv, .jsonl or .txt). Required.</summary>
    public required string Path { get; init; }

    /// <summary>The file's layout. Default (null): from the extension (<see cref="DataFormats.FromPath"/>).</summary>
    public DataFormat? Format { get; init; }

    /// <summary>TSV/CSV: the first line names the columns. Default true. Without a header, columns are named by their 0-based index ("0", "1", ...).</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>What an example is. Default (null): from the artifacts' loss (classification → Classification, causal-LM → CausalLM).</summary>
    public DatasetTask? Task { get; init; }

    /// <summary>Column of the text (classification, causal LM). Default "text".</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>Column of a second text for pair classification (e.g. premise/hypothesis). Default null: single texts.</summary>
    public string? TextPairColumn { get; init; }

    /// <summary>Column of the class label. Default "label".</summary>
    public string LabelColumn { get; init; } = "label";

    /// <summary>Prompt column (prompt-response). Default "prompt".</summary>
    public string PromptColumn { get; init; } = "prompt";

    /// <summary>Response column (prompt-response). Default "response".</summary>
    public string ResponseColumn { get; init; } = "response";

    /// <summary>
    /// Label names in class order (name i is class i). A row's label is one of the names, or a class index in
    /// [0, count). Default (null): the manifest's labels; when it has none, labels must be non-negative integers.
    /// </summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Shuffle the examples each epoch. Default true (set false for evaluation).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffle; an epoch's order depends only on (seed, epoch). Default 0.</summary>
    public int ShuffleSeed { get; init; }

    /// <summary>
    /// Examples held by the streaming shuffle buffer (memory ≈ size × sequence length × 4 bytes). A file with at most
    /// this many examples is shuffled uniformly; a larger one is shuffled within a window of this many (an example
    /// moves at most this far forward). Default 100,000.
    /// </summary>
    public int ShuffleBufferSize { get; init; } = 100_000;

    /// <summary>
    /// Causal LM: a text longer than the sequence length becomes several examples, windows of the sequence length that
    /// overlap by one token (so every token is learned once), instead of being cut. Default false: cut at the end.
    /// </summary>
    public bool SplitLongTexts { get; init; }

    /// <summary>Read at most this many rows (the first ones of the file). Default (null): all.</summary>
    public long? MaxRows { get; init; }

    /// <summary>
    /// Read and check every row when the dataset is opened, so bad data is reported before training starts and
    /// <see cref="IBatchSource.BatchesPerEpoch"/> is known. Default true. False skips that pass (for very large files):
    /// errors then surface while an epoch is read, and the batch count is unknown (null).
    /// </summary>
    public bool ValidateOnOpen { get; init; } = true;

    /// <summary>The incomplete last batch of an epoch. Default <see cref="LastBatchPolicy.Drop"/>; use Pad for evaluation.</summary>
    public LastBatchPolicy LastBatch { get; init; } = LastBatchPolicy.Drop;
}

using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Numerics;
using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Batches from a TSV/CSV/JSONL/text file for prepared artifacts: rows are read and tokenized as the epoch is
/// enumerated (streaming), shuffled through a bounded <see cref="ShuffleBuffer"/> seeded by (seed, epoch), padded or
/// cut to the artifacts' sequence length and cut into batches of the artifacts' batch size. The artifacts' inputs
/// decide what a batch holds (<see cref="BatchLayout"/>).
/// </summary>
/// <remarks>
/// <see cref="Open"/> reads the whole file once and checks every row (columns, labels, token ids), so bad data is
/// reported before a training step runs and nothing is written; it also counts the examples, so
/// <see cref="BatchesPerEpoch"/> is known (unless <see cref="DatasetOptions.ValidateOnOpen"/> is false). Epochs then
/// re-read the file: memory stays bounded by the shuffle buffer.
/// </remarks>
public sealed class TextDataset : IBatchSource
{
    private readonly DatasetOptions _options;
    private readonly TableReader _reader;
    private readonly IReadOnlyList<string> _columns;
    private readonly ExampleEncoder _encoder;
    private readonly BatchLayout _layout;
    private readonly int _padId;
    private readonly long _ignoreIndex;
    private bool _validated;

    private TextDataset(DatasetOptions options, TableReader reader, IReadOnlyList<string> columns, ExampleEncoder encoder,
        BatchLayout layout, DatasetTask task, LabelMap labels, int padId, long ignoreIndex, long vocabularySize)
    {
        _options = options;
        _reader = reader;
        _columns = columns;
        _encoder = encoder;
        _layout = layout;
        _padId = padId;
        _ignoreIndex = ignoreIndex;
        Task = task;
        Labels = labels.Names;
        VocabularySize = vocabularySize;
    }

    public DatasetTask Task { get; }
    public BatchLayout Layout => _layout;
    public int BatchSize => _layout.BatchSize;
    public int SequenceLength => _layout.SequenceLength;
    /// <summary>Token ids are checked against this: the manifest's vocabulary size, else the tokenizer's.</summary>
    public long VocabularySize { get; }
    /// <summary>Label names in class order (null when labels are class indices); record them with the run.</summary>
    public IReadOnlyList<string>? Labels { get; }
    /// <summary>Examples in the file (after <see cref="DatasetOptions.MaxRows"/>; split texts count once per window); 0 when not validated on open.</summary>
    public long Examples { get; private set; }
    /// <summary>Examples cut to fit the sequence length.</summary>
    public long TruncatedExamples { get; private set; }
    /// <summary>Non-padding tokens over all examples.</summary>
    public long Tokens { get; private set; }

    public long? BatchesPerEpoch => !_validated ? null
        : _options.LastBatch == LastBatchPolicy.Drop ? Examples / BatchSize
        : (Examples + BatchSize - 1) / BatchSize;

    /// <summary>
    /// Opens <paramref name="options"/>' file for <paramref name="manifest"/>'s artifacts, encoding with
    /// <paramref name="tokenizer"/>, and validates every row (see remarks of <see cref="TextDataset"/>).
    /// </summary>
    /// <param name="progress">Rows read so far, during validation.</param>
    /// <exception cref="InvalidDataException">Missing column, label not in the label map, token id beyond the vocabulary,
    /// empty file, malformed row, or artifacts whose inputs a text dataset cannot fill; the message names the row.</exception>
    /// <exception cref="FileNotFoundException">No such data file.</exception>
    public static TextDataset Open(DatasetOptions options, ArtifactManifest manifest, ITokenizer tokenizer,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (options.MaxRows is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"MaxRows must be at least 1, got {options.MaxRows}.");
        if (options.ShuffleBufferSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"ShuffleBufferSize must be at least 1, got {options.ShuffleBufferSize}.");

        var layout = BatchLayout.From(manifest);
        var task = options.Task ?? TaskOf(manifest);
        if (layout.HasLabels && layout.TokenLabels != (task != DatasetTask.Classification))
            throw new InvalidDataException(
                $"The artifacts were prepared for {(layout.TokenLabels ? "per-token labels (causal LM)" : "one label per example (classification)")} " +
                $"(loss {manifest.LossKind}), but the dataset task is {task}.");
        long vocabulary = manifest.VocabularySize ?? tokenizer.VocabularySize;
        int padId = tokenizer.Special.Pad;
        if (padId < 0 || padId >= vocabulary)
            throw new InvalidDataException($"The {tokenizer.Settings.Kind} tokenizer's padding id {padId} is beyond the model's vocabulary of {vocabulary}.");
        var labels = new LabelMap(options.Labels ?? manifest.Labels, task == DatasetTask.Classification ? manifest.Classes : null);
        var format = options.Format ?? DataFormats.FromPath(options.Path);
        var reader = TableReader.Open(options.Path, format, options.HasHeader);
        var columns = ExampleEncoder.Columns(options, task);
        var encoder = new ExampleEncoder(tokenizer, task, layout.SequenceLength, vocabulary, labels, options.Path, options.TextPairColumn is not null,
            options.SplitLongTexts);
        var dataset = new TextDataset(options, reader, columns, encoder, layout, task, labels, padId, manifest.IgnoreIndex, vocabulary);
        if (options.ValidateOnOpen) dataset.Validate(progress, cancellationToken);
        return dataset;
    }

    /// <summary>The task an artifacts' loss implies.</summary>
    public static DatasetTask TaskOf(ArtifactManifest manifest) =>
        manifest.LossKind.Contains("Classification", StringComparison.OrdinalIgnoreCase) ? DatasetTask.Classification
        : manifest.LossKind.Contains("Causal", StringComparison.OrdinalIgnoreCase) ? DatasetTask.CausalLM
        : throw new InvalidDataException($"The artifacts' loss {manifest.LossKind} does not take text; a text dataset feeds classification or causal-LM losses.");

    /// <summary>The examples in file order (no shuffling), streamed; for evaluation, generation prompts and inspection.</summary>
    public IEnumerable<TokenizedExample> ReadExamples(CancellationToken cancellationToken = default)
    {
        var rows = _reader.Read(_columns, cancellationToken);
        if (_options.MaxRows is { } max) rows = rows.Take(checked((int)Math.Min(max, int.MaxValue)));
        return rows.SelectMany(_encoder.Encode);
    }

    public IEnumerable<Batch> Epoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var examples = ReadExamples();
        // Random(int) is the same generator on every platform and .NET version; the mix keeps (seed, epoch) pairs apart.
        if (_options.Shuffle) examples = ShuffleBuffer.Shuffle(examples, _options.ShuffleBufferSize, new Random(Scores.EpochSeed(_options.ShuffleSeed, epoch)));
        var pending = new List<TokenizedExample>(BatchSize);
        foreach (var example in examples)
        {
            pending.Add(example);
            if (pending.Count < BatchSize) continue;
            yield return _layout.Build(pending, _padId, _ignoreIndex);
            pending.Clear();
        }
        if (pending.Count > 0 && _options.LastBatch == LastBatchPolicy.Pad) yield return _layout.Build(pending, _padId, _ignoreIndex);
    }

    private void Validate(IProgress<long>? progress, CancellationToken cancellationToken)
    {
        long count = 0, truncated = 0, tokens = 0;
        foreach (var example in ReadExamples(cancellationToken))
        {
            count++;
            if (example.Truncated) truncated++;
            tokens += example.Ids.Length;
            if (count % 4096 == 0) progress?.Report(count);
        }
        progress?.Report(count);
        if (count == 0) throw new InvalidDataException($"Data file '{_options.Path}' has no examples.");
        if (_options.LastBatch == LastBatchPolicy.Drop && count < BatchSize)
            throw new InvalidDataException(
                $"Data file '{_options.Path}' holds {count} example(s); one batch of the artifacts needs {BatchSize} (or pad the last batch: LastBatchPolicy.Pad).");
        Examples = count;
        TruncatedExamples = truncated;
        Tokens = tokens;
        _validated = true;
    }
}

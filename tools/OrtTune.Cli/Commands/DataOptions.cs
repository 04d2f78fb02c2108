using System.CommandLine;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;

namespace OrtTune.Cli.Commands;

/// <summary>
/// The text-data options (--train-file, --eval-file, columns, labels, task, format, shuffling) shared by commands that
/// read text datasets; <see cref="Open"/> turns them into <see cref="TextDataset"/>s for prepared artifacts, with the
/// tokenizer the artifacts' manifest records.
/// </summary>
internal sealed class DataOptions
{
    public Option<FileInfo?> TrainFile { get; } = new("--train-file") { Description = "Training data: .tsv, .csv, .jsonl or .txt (one example per line)." };
    public Option<FileInfo?> EvalFile { get; } = new("--eval-file") { Description = "Evaluation data, same layout as the training file (read in order, last batch padded)." };
    public Option<string?> Format { get; } = new("--format") { Description = "tsv, csv, jsonl or text. Default: from the file extension." };
    public Option<bool> NoHeader { get; } = new("--no-header") { Description = "TSV/CSV files have no header line; columns are then named 0, 1, ..." };
    public Option<string?> Task { get; } = new("--task") { Description = "classification, causal-lm or prompt-response. Default: from the artifacts' loss." };
    public Option<string> TextColumn { get; } = new("--text-column") { Description = "Column of the text. Default 'text'.", DefaultValueFactory = _ => "text" };
    public Option<string?> TextPairColumn { get; } = new("--text-pair-column") { Description = "Column of a second text (pair classification). Default: none." };
    public Option<string> LabelColumn { get; } = new("--label-column") { Description = "Column of the class label. Default 'label'.", DefaultValueFactory = _ => "label" };
    public Option<string?> Labels { get; } = new("--labels") { Description = "Label names in class order, comma-separated. Default: the manifest's, else labels are class indices." };
    public Option<string> PromptColumn { get; } = new("--prompt-column") { Description = "Prompt column (prompt-response). Default 'prompt'.", DefaultValueFactory = _ => "prompt" };
    public Option<string> ResponseColumn { get; } = new("--response-column") { Description = "Response column (prompt-response). Default 'response'.", DefaultValueFactory = _ => "response" };
    public Option<long?> MaxRows { get; } = new("--max-rows") { Description = "Read at most this many rows of each file. Default: all." };
    public Option<bool> SplitLongTexts { get; } = new("--split-long-texts")
    {
        Description = "Causal LM: split texts longer than the sequence into windows (overlapping by one token) instead of cutting them.",
    };

    /// <summary>Adds the options; <paramref name="train"/> adds --train-file beside --eval-file.</summary>
    public void AddTo(Command command, bool train = true)
    {
        if (train) command.Options.Add(TrainFile);
        foreach (var o in new Option[] { EvalFile, Format, NoHeader, Task, TextColumn, TextPairColumn, LabelColumn, Labels,
                     PromptColumn, ResponseColumn, MaxRows, SplitLongTexts })
            command.Options.Add(o);
    }

    /// <summary>Options for the training file (shuffled per epoch with <paramref name="seed"/>, incomplete last batch dropped); null without --train-file.</summary>
    public DatasetOptions? Train(ParseResult parse, int seed = 0) =>
        parse.GetResult(TrainFile) is not null && parse.GetValue(TrainFile) is { } file ? Build(parse, file.FullName) with { ShuffleSeed = seed } : null;

    /// <summary>Options for the evaluation file (file order, last batch padded); null without --eval-file.</summary>
    public DatasetOptions? Eval(ParseResult parse) => parse.GetValue(EvalFile) is { } file
        ? Build(parse, file.FullName) with { Shuffle = false, LastBatch = LastBatchPolicy.Pad }
        : null;

    /// <summary>The tokenizer the artifacts' manifest records, with a clear error when it records none.</summary>
    public static ITokenizer OpenTokenizer(ArtifactManifest manifest, string artifactsDirectory) =>
        TokenizerFactory.Open(
            manifest.Tokenizer ?? throw new OrtTuneException(
                $"The artifacts in '{artifactsDirectory}' record no tokenizer: prepare them with --tokenizer KIND:PATH (e.g. llama2c:tok512.bin) to train on text."),
            artifactsDirectory);

    /// <summary>The training and evaluation datasets asked for (each null when its file was not given), validated.</summary>
    public (TextDataset? Train, TextDataset? Eval) Open(ParseResult parse, ArtifactManifest manifest, string artifactsDirectory,
        int seed = 0, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var train = Train(parse, seed);
        var eval = Eval(parse);
        if (train is null && eval is null) return (null, null);
        var tokenizer = OpenTokenizer(manifest, artifactsDirectory);
        return (train is null ? null : TextDataset.Open(train, manifest, tokenizer, progress, cancellationToken),
                eval is null ? null : TextDataset.Open(eval, manifest, tokenizer, progress, cancellationToken));
    }

    private DatasetOptions Build(ParseResult parse, string path)
    {
        long? maxRows = parse.GetValue(MaxRows);
        if (maxRows is < 1) throw new OrtTuneException($"--max-rows must be at least 1, got {maxRows}.");
        var labels = parse.GetValue(Labels);
        return new DatasetOptions
        {
            Path = path,
            Format = parse.GetValue(Format) is { } format ? DataFormats.Parse(format) : null,
            HasHeader = !parse.GetValue(NoHeader),
            Task = parse.GetValue(Task) is { } task ? DatasetTasks.Parse(task) : null,
            TextColumn = parse.GetValue(TextColumn)!,
            TextPairColumn = parse.GetValue(TextPairColumn),
            LabelColumn = parse.GetValue(LabelColumn)!,
            Labels = labels?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            PromptColumn = parse.GetValue(PromptColumn)!,
            ResponseColumn = parse.GetValue(ResponseColumn)!,
            MaxRows = maxRows,
            SplitLongTexts = parse.GetValue(SplitLongTexts),
        };
    }
}

using System.CommandLine;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;
using OrtTune.Pipeline.TokenSelection;
using OrtTune.Pipeline.Vocabulary;

namespace OrtTune.Cli.Commands;

/// <summary>
/// Where train and eval batches come from: text files read with the artifacts' tokenizer (--train-file, --eval-file;
/// see <see cref="DataOptions"/>), a folder of .npy files (--data, --eval-data) or generated batches (--synthetic).
/// Shared by `train` and `eval`.
/// </summary>
internal sealed class BatchSourceOptions
{
    public DataOptions Text { get; } = new();

    public Option<DirectoryInfo?> Data { get; } = new("--data") { Description = "Folder with one INPUT.npy per artifacts input (rows are cut into batches)." };
    public Option<DirectoryInfo?> EvalData { get; } = new("--eval-data") { Description = "Held-out folder of .npy inputs, like --data, to evaluate on." };
    public Option<bool> Synthetic { get; } = new("--synthetic") { Description = "Generated random batches (smoke tests, timing); held-out ones for evaluation." };
    public Option<long> Vocab { get; } = new("--vocab") { Description = "Token ids of generated batches lie in [0, VOCAB). Needed with --synthetic.", DefaultValueFactory = _ => 0 };
    public Option<long> Classes { get; } = new("--classes") { Description = "Labels of generated classification batches lie in [0, CLASSES). Default 2.", DefaultValueFactory = _ => 2 };
    public Option<int> Batches { get; } = new("--synthetic-batches") { Description = "Generated batches per epoch. Default 8.", DefaultValueFactory = _ => 8 };
    public Option<string?> TokenSelect { get; } = new("--token-select") { Description = "TokenTune artifacts: p=RATIO or k=COUNT per example. Default: as prepared." };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the data order (shuffled per epoch) and of generated batches. Default 0.", DefaultValueFactory = _ => 0 };

    /// <summary>Adds the options; <paramref name="train"/> adds --eval-data beside --data, otherwise --data is the data evaluated.</summary>
    public void AddTo(Command command, bool train)
    {
        Text.AddTo(command, train);
        command.Options.Add(Data);
        if (train) command.Options.Add(EvalData);
        foreach (var o in new Option[] { Synthetic, Vocab, Classes, Batches, Seed }) command.Options.Add(o);
        if (train) command.Options.Add(TokenSelect);
    }

    /// <summary>What `orttune eval` evaluates: --eval-file, --data, or the held-out generated batches training evaluates on with --synthetic.</summary>
    public IBatchSource EvalOnly(ParseResult parse, ArtifactManifest manifest, string artifacts) =>
        ForArtifacts(RawEval(parse, DataManifest(manifest), artifacts, Data)
                     ?? throw new OrtTuneException("eval needs --eval-file FILE, --data FOLDER or --synthetic --vocab V."), manifest, artifacts);

    /// <summary>The training source: --train-file, --data or --synthetic, shuffled per epoch with --seed.</summary>
    public IBatchSource Train(ParseResult parse, ArtifactManifest manifest, string artifacts)
    {
        // TokenTune: the sampler adds the selection inputs (fresh per example and step, seeded); the data fills the rest.
        var selection = TokenSelection.FromManifest(manifest, parse.GetValue(TokenSelect), parse.GetValue(Seed));
        var dataManifest = selection is null ? manifest : TokenSelection.WithoutSelectionInputs(manifest, selection);
        var data = ForArtifacts(RawTrain(parse, dataManifest, artifacts), manifest, artifacts);
        return selection is null ? data : new TokenSelectionSource(data, selection);
    }

    private IBatchSource RawTrain(ParseResult parse, ArtifactManifest manifest, string artifacts)
    {
        int seed = parse.GetValue(Seed);
        if (Text.Train(parse, seed) is { } text) return TextDataset.Open(text, manifest, Tokenizer(manifest, artifacts));
        if (parse.GetValue(Data) is { } folder) return new InMemoryBatchSource(BatchSource.FromNpyFolder(folder.FullName, manifest), seed);
        if (parse.GetValue(Synthetic)) return new InMemoryBatchSource(Generated(parse, manifest, seed), seed);
        throw new OrtTuneException("train needs --train-file FILE, --data FOLDER or --synthetic --vocab V.");
    }

    /// <summary>The eval source while training: --eval-file, --eval-data, or held-out generated batches with --synthetic; null when none is given.</summary>
    public IBatchSource? Eval(ParseResult parse, ArtifactManifest manifest, string artifacts) =>
        RawEval(parse, DataManifest(manifest), artifacts, EvalData) is { } source ? ForArtifacts(source, manifest, artifacts) : null;

    /// <summary>The inputs data must fill: the artifacts' inputs without TokenTune's selection (the eval graph has none).</summary>
    private static ArtifactManifest DataManifest(ArtifactManifest manifest) =>
        TokenSelection.FromManifest(manifest) is { } selection ? TokenSelection.WithoutSelectionInputs(manifest, selection) : manifest;

    /// <summary>Eval batches: the text file, the .npy folder of <paramref name="folderOption"/>, or held-out generated ones; null when none is given.</summary>
    private IBatchSource? RawEval(ParseResult parse, ArtifactManifest manifest, string artifacts, Option<DirectoryInfo?> folderOption)
    {
        if (Text.Eval(parse) is { } text) return TextDataset.Open(text, manifest, Tokenizer(manifest, artifacts));
        if (parse.GetValue(folderOption) is { } folder) return new InMemoryBatchSource(BatchSource.FromNpyFolder(folder.FullName, manifest));
        // Another seed than training's, so the generated eval batches are held out.
        if (parse.GetValue(Synthetic)) return new InMemoryBatchSource(Generated(parse, manifest, parse.GetValue(Seed) + 7919, count: 2));
        return null;
    }

    /// <summary>
    /// What the artifacts' rewrites need of every batch: PEMA artifacts read compact ids (an id outside the kept
    /// vocabulary is an error naming the token, decoded when the artifacts record a tokenizer).
    /// </summary>
    private IBatchSource ForArtifacts(IBatchSource source, ArtifactManifest manifest, string artifacts)
    {
        if (manifest.Vocabulary is null) return source;
        var tokenizer = manifest.Tokenizer is null ? null : Tokenizer(manifest, artifacts);
        return VocabularyRemapSource.For(source, manifest, tokenizer is null ? null : id => $"'{tokenizer.Decode([(int)id])}'");
    }

    /// <summary>The artifacts' tokenizer, opened once for all the sources of a command (loading reads its files).</summary>
    private ITokenizer Tokenizer(ArtifactManifest manifest, string artifacts)
    {
        if (_tokenizer is not { } cached || cached.Artifacts != artifacts)
            _tokenizer = cached = (artifacts, DataOptions.OpenTokenizer(manifest, artifacts));
        return cached.Tokenizer;
    }

    private (string Artifacts, ITokenizer Tokenizer)? _tokenizer;

    private List<List<OrtTune.Artifacts.Checkpoints.NamedTensor>> Generated(ParseResult parse, ArtifactManifest manifest, int seed, int? count = null)
    {
        long v = parse.GetValue(Vocab);
        if (v < 1) throw new OrtTuneException("--synthetic needs --vocab (the model's vocabulary size).");
        int n = count ?? parse.GetValue(Batches);
        if (n < 1) throw new OrtTuneException($"--synthetic-batches must be at least 1, got {n}.");
        return BatchSource.Synthetic(manifest, n, v, parse.GetValue(Classes), seed);
    }
}

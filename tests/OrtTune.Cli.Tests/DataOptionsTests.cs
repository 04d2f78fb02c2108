using System.CommandLine;
using OrtTune.Artifacts.Manifest;
using OrtTune.Cli.Commands;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Training;

namespace OrtTune.Cli.Tests;

/// <summary>
/// `orttune prepare --tokenizer` records the tokenizer, the embedding's vocabulary size and label names; DataOptions
/// (what train/eval commands register) builds SST-2 datasets for stories260K artifacts from that manifest, and a few
/// training steps on those batches lower the held-out loss.
/// </summary>
[TestClass]
public sealed class DataOptionsTests
{
    private string _dir = "";

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-data-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }


    private static (DataOptions Options, ParseResult Parse) Parse(params string[] args)
    {
        var options = new DataOptions();
        var command = new Command("test");
        options.AddTo(command);
        var parse = command.Parse(args);
        Assert.IsEmpty(parse.Errors, string.Join("; ", parse.Errors.Select(e => e.Message)));
        return (options, parse);
    }

    [TestMethod]
    public void Prepare_records_the_tokenizer_and_DataOptions_builds_SST2_batches_that_train()
    {
        var model = CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var tok = CliRunner.RequireShared("data", "models", "stories260K", "tok512.bin");
        var train = CliRunner.RequireShared("data", "text", "sst2", "train.tsv");
        var test = CliRunner.RequireShared("data", "text", "sst2", "test.tsv");
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, _, error) = CliRunner.Run("prepare", model, "--out", artifacts, "--batch", "8", "--seq", "32", "--loss", "causal-lm",
            "--freeze", "fc,fs", "--lr", "2e-3", "--tokenizer", $"llama2c:{tok}");
        Assert.AreEqual(0, code, error);
        var manifest = ArtifactManifest.Load(artifacts);
        Assert.AreEqual(TokenizerSettings.Llama2c, manifest.Tokenizer!.Kind);
        CollectionAssert.AreEqual(new[] { tok }, manifest.Tokenizer.Files);
        Assert.AreEqual(512, manifest.VocabularySize, "read from the embedding that input_ids index");
        Assert.IsNull(manifest.Classes, "a causal LM has no classifier");

        var (options, parse) = Parse("--train-file", train, "--eval-file", test, "--text-column", "sentence", "--max-rows", "256");
        var (trainSet, evalSet) = options.Open(parse, manifest, artifacts, seed: 3);
        Assert.IsNotNull(trainSet);
        Assert.IsNotNull(evalSet);
        Assert.AreEqual(DatasetTask.CausalLM, trainSet.Task);
        Assert.AreEqual(256, trainSet.Examples);
        Assert.AreEqual(32L, trainSet.BatchesPerEpoch);
        Assert.AreEqual(32L, evalSet.BatchesPerEpoch);
        var first = trainSet.Epoch(0).First();
        CollectionAssert.AreEqual(new[] { "input_ids", "labels" }, first.Inputs.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new long[] { 8, 32 }, first.Inputs[0].Dims.ToArray());

        using var session = SessionCheckpoints.Open(artifacts);
        double EvalLoss() => evalSet.Epoch(0).Take(8).Average(b => session.Evaluate(b.Inputs).loss);
        double before = EvalLoss();
        foreach (var batch in trainSet.Epoch(0).Concat(trainSet.Epoch(1)).Take(40))
        {
            session.TrainStep(batch.Inputs);
            session.OptimizerStep((float)manifest.Optimizer.LearningRate);
        }
        double after = EvalLoss();
        TestContext.WriteLine($"SST-2 test (first 64 sentences) causal-LM loss before {before:F4} (perplexity {Math.Exp(before):F2}), " +
                              $"after 40 steps {after:F4} (perplexity {Math.Exp(after):F2})");
        Assert.IsLessThan(before - 0.05, after, $"held-out loss {before:F3} → {after:F3}");
    }

    [TestMethod]
    public void Options_map_to_dataset_options_and_errors_are_clear()
    {
        var (options, parse) = Parse("--train-file", "a.jsonl", "--eval-file", "b.csv", "--task", "prompt-response", "--format", "jsonl",
            "--labels", "neg, pos", "--prompt-column", "q", "--response-column", "a", "--no-header", "--text-pair-column", "h", "--split-long-texts");
        var train = options.Train(parse)!;
        Assert.AreEqual(DatasetTask.PromptResponse, train.Task);
        Assert.AreEqual(DataFormat.Jsonl, train.Format);
        CollectionAssert.AreEqual(new[] { "neg", "pos" }, train.Labels!.ToArray());
        Assert.AreEqual("q", train.PromptColumn);
        Assert.AreEqual("a", train.ResponseColumn);
        Assert.AreEqual("h", train.TextPairColumn);
        Assert.IsFalse(train.HasHeader);
        Assert.IsTrue(train.SplitLongTexts);
        Assert.IsTrue(train.Shuffle);
        Assert.AreEqual(LastBatchPolicy.Drop, train.LastBatch);
        var eval = options.Eval(parse)!;
        Assert.IsFalse(eval.Shuffle);
        Assert.AreEqual(LastBatchPolicy.Pad, eval.LastBatch);

        (options, parse) = Parse("--train-file", "a.tsv");
        var defaults = options.Train(parse)!;
        Assert.IsNull(defaults.Format);
        Assert.IsNull(defaults.Task);
        Assert.AreEqual("text", defaults.TextColumn);
        Assert.AreEqual("label", defaults.LabelColumn);
        Assert.IsFalse(defaults.SplitLongTexts);
        Assert.IsNull(options.Eval(parse));

        (options, parse) = Parse("--train-file", "a.tsv", "--task", "regression");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => options.Train(parse)).Message, "Unknown task 'regression'");

        // Artifacts without a recorded tokenizer cannot read text.
        var manifest = new ArtifactManifest
        {
            SourceModel = "m.onnx", SourceSha256 = "", Inputs = [new TensorSpec("input_ids", "int64", [2, 8])], LossName = "loss",
            LossKind = "CausalLMCrossEntropy", PredictionName = "logits", Trainable = [], Frozen = [], Gradients = [],
        };
        var e = Assert.ThrowsExactly<OrtTune.Graphs.Diagnostics.OrtTuneException>(() => DataOptions.OpenTokenizer(manifest, "/some/dir"));
        StringAssert.Contains(e.Message, "record no tokenizer");
    }

    [TestMethod]
    public void Prepare_refuses_a_bad_tokenizer_before_writing_anything()
    {
        var artifacts = Path.Combine(_dir, "bad");
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts, "--batch", "2", "--seq", "8",
            "--loss", "causal-lm", "--tokenizer", "bpe:x.json");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(error, "Unknown tokenizer kind 'bpe'");
        Assert.IsFalse(Directory.Exists(artifacts));
        (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts, "--batch", "2", "--seq", "8",
            "--loss", "causal-lm", "--tokenizer", $"llama2c:{Path.Combine(_dir, "missing.bin")}");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(error, "missing.bin' does not exist");
        Assert.IsFalse(Directory.Exists(artifacts));

        // Label names alone are recorded too, and the fixture's embedding gives the vocabulary size.
        (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("bert_opset17"), "--out", artifacts, "--batch", "2", "--seq", "8",
            "--loss", "classification", "--labels", "a,b,c");
        Assert.AreEqual(0, code, error);
        var manifest = ArtifactManifest.Load(artifacts);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, manifest.Labels);
        Assert.AreEqual(100, manifest.VocabularySize);
        Assert.AreEqual(3, manifest.Classes, "the fixture's classifier has 3 labels");
        Assert.IsNull(manifest.Tokenizer);
    }
}

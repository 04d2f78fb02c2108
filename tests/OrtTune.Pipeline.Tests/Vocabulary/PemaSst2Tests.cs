using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Artifacts.Vocabulary;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;
using OrtTune.Pipeline.Training;
using OrtTune.Pipeline.Vocabulary;

namespace OrtTune.Pipeline.Tests.Vocabulary;

/// <summary>
/// PEMA on real data (shared; skipped when absent): the pretrained stories260K as an SST-2 classifier, with the
/// embedding cut to the ids SST-2 uses, follows full-vocabulary training's loss step for step, and its expanded
/// embedding equals the full run's on every row training touches (the others stay pretrained in both).
/// </summary>
[TestClass]
public sealed class PemaSst2Tests
{
    private const float LearningRate = 1e-3f;

    [TestMethod]
    public void Sst2_loss_trajectory_and_trained_parameters_equal_full_vocabulary_training()
    {
        var model = TestData.Shared("models", "stories260K", "stories260K.onnx");
        var tok = TestData.Shared("models", "stories260K", "tok512.bin");
        var train = TestData.Shared("text", "sst2", "train.tsv");
        var test = TestData.Shared("text", "sst2", "test.tsv");
        var tokenizer = TokenizerFactory.Open(TokenizerSettings.Parse($"llama2c:{tok}"));
        var counted = VocabularyCounter.Count([train, test], ["sentence"], tokenizer);
        Assert.IsLessThan(tokenizer.VocabularySize, counted.UsedIds.Length);

        var options = new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = 8, Sequence = 32 },
            Loss = new LossOptions(LossKind.SequenceClassificationCrossEntropy),
            Parameters = new ParameterSelection { Freeze = ["fc", "fs"] },
            Head = new ClassificationHeadOptions { Classes = 2, Pooling = HeadPooling.Mean },
            Optimizer = new AdamWOptions { WeightDecay = 0 },
            LearningRate = LearningRate,
        };
        var root = TestData.TempDirectory();
        try
        {
            string fullDir = Path.Combine(root, "full"), pemaDir = Path.Combine(root, "pema");
            var full = ArtifactBuilder.Build(model, fullDir, options) with { Tokenizer = tokenizer.Settings };
            var pema = ArtifactBuilder.Build(model, pemaDir, options with { Vocabulary = new PemaOptions { UsedIds = counted.UsedIds } }) with { Tokenizer = tokenizer.Settings };
            var spec = pema.Vocabulary!;
            Assert.IsFalse(spec.Tied, "the classifier head replaced the tied LM head");

            var data = new DatasetOptions { Path = train, TextColumn = "sentence", MaxRows = 400, ShuffleSeed = 1 };
            var fullBatches = TextDataset.Open(data, full, tokenizer).Epoch(0).Take(6).ToList();
            var pemaBatches = VocabularyRemapSource.For(TextDataset.Open(data, pema, tokenizer), pema).Epoch(0).Take(6).ToList();
            using var a = SessionCheckpoints.Open(fullDir);
            using var b = SessionCheckpoints.Open(pemaDir);
            for (int i = 0; i < fullBatches.Count; i++)
            {
                float la = a.TrainStep(fullBatches[i].Inputs), lb = b.TrainStep(pemaBatches[i].Inputs);
                Assert.AreEqual(la, lb, 1e-5f, $"step {i + 1}: full {la} vs PEMA {lb}");
                a.OptimizerStep(LearningRate);
                b.OptimizerStep(LearningRate);
            }

            var map = new VocabularyMap(spec);
            var original = CheckpointReader.Read(Path.Combine(pemaDir, spec.OriginalFile)).FindParameter(spec.Embedding)!;
            var fullParams = a.Parameters().ToDictionary(p => p.Name);
            foreach (var p in b.Parameters())
            {
                var mine = (p.Name == spec.Embedding ? map.Expand(p, original) : p).ToArray<float>();
                var theirs = fullParams[p.Name].ToArray<float>();
                double worst = mine.Zip(theirs).Max(x => Math.Abs((double)x.First - x.Second));
                Assert.IsLessThanOrEqualTo(1e-6, worst, $"{p.Name}: PEMA vs full-vocabulary training");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

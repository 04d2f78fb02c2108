using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Vocabulary;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Training;
using OrtTune.Pipeline.Vocabulary;

namespace OrtTune.Pipeline.Tests.Vocabulary;

/// <summary>
/// PEMA end to end: artifacts whose input embedding keeps only the rows the data uses train exactly like
/// full-vocabulary artifacts (untied embedding), and the expanded embedding equals the full run's matrix. With a tied
/// head the loss and the kept rows' update are exact, and unused rows stay pretrained (the documented semantics).
/// </summary>
[TestClass]
public sealed class PemaTrainingTests
{
    private const float LearningRate = 1e-2f;
    private const int Steps = 5;

    [TestMethod]
    [DataRow("bert_opset17")]
    [DataRow("llama")]
    public void Untied_embedding_trains_step_for_step_like_the_full_vocabulary(string fixture)
    {
        var (model, batch, classifier) = Fixture(fixture);
        using var dirs = new TempDirs();
        var (full, pema) = BuildPair(model, classifier, dirs, batch);
        Assert.IsFalse(pema.manifest.Vocabulary!.Tied, "this fixture's embedding feeds only the lookup");

        using var a = SessionCheckpoints.Open(full.dir);
        using var b = SessionCheckpoints.Open(pema.dir);
        var map = new VocabularyMap(pema.manifest.Vocabulary);
        var remapped = Remap(batch, map);
        for (int step = 0; step < Steps; step++)
        {
            float la = a.TrainStep(batch), lb = b.TrainStep(remapped);
            Assert.AreEqual(la, lb, 1e-5f, $"{fixture} step {step}: full {la} vs PEMA {lb}");
            a.OptimizerStep(LearningRate);
            b.OptimizerStep(LearningRate);
        }

        // Every trained parameter is the same; the embedding after scattering the kept rows back is the full run's matrix.
        string embedding = pema.manifest.Vocabulary.Embedding;
        var original = CheckpointReader.Read(Path.Combine(pema.dir, pema.manifest.Vocabulary.OriginalFile)).FindParameter(embedding)!;
        var fullParams = a.Parameters().ToDictionary(p => p.Name);
        foreach (var p in b.Parameters())
        {
            var mine = p.Name == embedding ? map.Expand(p, original) : p;
            AssertClose(fullParams[p.Name].ToArray<float>(), mine.ToArray<float>(), 1e-6f, $"{fixture}: {p.Name}");
        }
        // Weights, gradients and both AdamW moments exist for the kept rows only.
        var compact = b.Parameters().Single(p => p.Name == embedding);
        Assert.AreEqual(map.UsedCount, compact.Dims[0]);
        Assert.IsTrue(b.OptimizerState().Where(s => s.Name.StartsWith(embedding + ".", StringComparison.Ordinal)).All(s => s.Dims[0] == map.UsedCount));
    }

    [TestMethod]
    public void Tied_embedding_keeps_the_full_softmax_and_the_kept_rows_update_exactly()
    {
        var (model, batch, classifier) = Fixture("gpt2");
        using var dirs = new TempDirs();
        var (full, pema) = BuildPair(model, classifier, dirs, batch);
        var spec = pema.manifest.Vocabulary!;
        Assert.IsTrue(spec.Tied, "GPT-2 ties wte to the LM head");

        using var a = SessionCheckpoints.Open(full.dir);
        using var b = SessionCheckpoints.Open(pema.dir);
        var map = new VocabularyMap(spec);
        float la = a.TrainStep(batch), lb = b.TrainStep(Remap(batch, map));
        Assert.AreEqual(la, lb, 1e-6f, "the head scores the full vocabulary, so the loss is exact");
        var gradA = a.Gradients().Single(g => g.Name == spec.Embedding).ToArray<float>();
        var gradB = b.Gradients().Single(g => g.Name == spec.Embedding).ToArray<float>();
        int dim = (int)spec.Dim;
        for (int i = 0; i < map.UsedCount; i++)
            AssertClose(gradA.AsSpan((int)spec.UsedIds[i] * dim, dim).ToArray(), gradB.AsSpan(i * dim, dim).ToArray(), 1e-6f, $"gradient row of id {spec.UsedIds[i]}");
        a.OptimizerStep(LearningRate);
        b.OptimizerStep(LearningRate);

        var original = CheckpointReader.Read(Path.Combine(pema.dir, spec.OriginalFile)).FindParameter(spec.Embedding)!;
        var expanded = map.Expand(b.Parameters().Single(p => p.Name == spec.Embedding), original).ToArray<float>();
        var fullAfter = a.Parameters().Single(p => p.Name == spec.Embedding).ToArray<float>();
        var before = original.ToArray<float>();
        int movedInFull = 0;
        for (long id = 0; id < spec.FullSize; id++)
        {
            var row = new Range((int)id * dim, (int)(id + 1) * dim);
            if (map.CompactOf(id) >= 0) AssertClose(fullAfter[row], expanded[row], 1e-6f, $"kept row {id}");
            else
            {
                CollectionAssert.AreEqual(before[row], expanded[row], $"unused row {id} stays pretrained");
                if (!fullAfter[row].SequenceEqual(before[row])) movedInFull++;
            }
        }
        Assert.IsGreaterThan(0, movedInFull, "full-vocabulary training moves unused rows through the softmax; PEMA documents that it does not");
    }

    [TestMethod]
    public void The_remapping_source_feeds_compact_ids_and_names_an_unknown_token()
    {
        var (model, batch, classifier) = Fixture("bert_opset17");
        using var dirs = new TempDirs();
        var (_, pema) = BuildPair(model, classifier, dirs, batch);
        var source = VocabularyRemapSource.For(new InMemoryBatchSource([batch]), pema.manifest, id => $"token #{id}");
        var ids = source.Epoch(0).Single().Inputs.Single(t => t.Name == "input_ids").ToArray<long>();
        Assert.IsTrue(ids.All(i => i >= 0 && i < pema.manifest.Vocabulary!.UsedIds.Length));

        long absent = Enumerable.Range(1, 99).First(i => !pema.manifest.Vocabulary!.UsedIds.Contains(i));
        var unknown = batch.Select(t => t.Name == "input_ids" ? Replace(t, 0, absent) : t).ToList();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => VocabularyRemapSource.For(new InMemoryBatchSource([unknown]), pema.manifest, id => $"token #{id}").Epoch(0).ToList());
        StringAssert.Contains(error.Message, $"Token id {absent} (token #{absent}) at row 0, position 0");
        StringAssert.Contains(error.Message, "--vocab-from");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static ((string dir, OrtTune.Artifacts.Manifest.ArtifactManifest manifest) full, (string dir, OrtTune.Artifacts.Manifest.ArtifactManifest manifest) pema)
        BuildPair(string model, bool classifier, TempDirs dirs, List<NamedTensor> batch)
    {
        // No weight decay: with it, full fine-tuning would also shrink rows the data never reads, which PEMA leaves alone.
        var options = new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
            Loss = new LossOptions(classifier ? LossKind.SequenceClassificationCrossEntropy : LossKind.CausalLMCrossEntropy),
            LearningRate = LearningRate,
            Optimizer = new AdamWOptions { WeightDecay = 0 },
        };
        var used = batch.Single(t => t.Name == "input_ids").ToArray<long>();
        string fullDir = dirs.New(), pemaDir = dirs.New();
        var fullManifest = ArtifactBuilder.Build(model, fullDir, options);
        var pemaManifest = ArtifactBuilder.Build(model, pemaDir, options with { Vocabulary = new PemaOptions { UsedIds = used, KeepIds = [0] } });
        return ((fullDir, fullManifest), (pemaDir, pemaManifest));
    }

    private static (string model, List<NamedTensor> batch, bool classifier) Fixture(string name)
    {
        var dir = Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", name);
        bool classifier = File.Exists(Path.Combine(dir, "labels.npy"));
        var batch = Directory.GetFiles(dir, "inputs_*.npy").Order()
            .Select(f => NpyFile.Read(f, Path.GetFileNameWithoutExtension(f)["inputs_".Length..])).ToList();
        batch.Add(classifier ? NpyFile.Read(Path.Combine(dir, "labels.npy"), "labels") : batch.Single(t => t.Name == "input_ids").WithName("labels"));
        return (Path.Combine(dir, "model.onnx"), batch, classifier);
    }

    private static List<NamedTensor> Remap(List<NamedTensor> batch, VocabularyMap map) =>
        batch.Select(t => t.Name == "input_ids" ? map.Remap(t) : t).ToList();

    private static NamedTensor Replace(NamedTensor t, int index, long value)
    {
        var data = t.ToArray<long>();
        data[index] = value;
        return NamedTensor.FromValues<long>(t.Name, t.GetDims(), data);
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        float scale = Math.Max(1f, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > tolerance * scale)
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]}");
    }

    private sealed class TempDirs : IDisposable
    {
        private readonly List<string> _dirs = [];

        public string New()
        {
            var dir = Path.Combine(Path.GetTempPath(), "orttune-pema-" + Guid.NewGuid().ToString("N")[..8]);
            _dirs.Add(dir);
            return dir;
        }

        public void Dispose()
        {
            foreach (var d in _dirs.Where(Directory.Exists)) Directory.Delete(d, recursive: true);
        }
    }
}

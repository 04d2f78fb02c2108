using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.TokenSelection;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Tests.TokenSelection;

/// <summary>
/// The sampler follows the reference's rules (counts, fixed positions, within the unpadded length), is deterministic
/// per (seed, epoch, batch), agrees with the compiler's slot count, and trains TokenTune artifacts end to end.
/// </summary>
[TestClass]
public sealed class TokenSelectionTests
{
    private static Batch MakeBatch(long[][] ids, long[][]? mask = null, long[][]? labels = null)
    {
        int rows = ids.Length, seq = ids[0].Length;
        var inputs = new List<NamedTensor> { NamedTensor.FromValues<long>("input_ids", [rows, seq], ids.SelectMany(r => r).ToArray()) };
        if (mask is not null) inputs.Add(NamedTensor.FromValues<long>("attention_mask", [rows, seq], mask.SelectMany(r => r).ToArray()));
        if (labels is not null) inputs.Add(NamedTensor.FromValues<long>("labels", [rows, seq], labels.SelectMany(r => r).ToArray()));
        return new Batch(inputs, rows, rows * seq);
    }

    private static (long[] indices, long[] mask) Selection(Batch batch, TokenSelectionOptions options) =>
        (batch.Inputs.Single(t => t.Name == options.IndicesName).ToArray<long>(), batch.Inputs.Single(t => t.Name == options.MaskName).ToArray<long>());

    [TestMethod]
    public void Decoder_selects_first_last_and_int_p_times_n_minus_2_within_the_unpadded_length()
    {
        const int seq = 64;
        var lengths = new[] { 64, 40, 2, 1 };
        var ids = lengths.Select(_ => Enumerable.Range(0, seq).Select(i => (long)i).ToArray()).ToArray();
        var labels = lengths.Select(n => Enumerable.Range(0, seq).Select(i => i < n ? (long)i : -100L).ToArray()).ToArray();
        var options = new TokenSelectionOptions { Ratio = 0.3, Decoder = true, Slots = 20, Seed = 5 };
        var source = new TokenSelectionSource(new InMemoryBatchSource([MakeBatch(ids, labels: labels).Inputs]), options);
        for (int epoch = 0; epoch < 20; epoch++)
        {
            var (indices, mask) = Selection(source.Epoch(epoch).Single(), options);
            for (int b = 0; b < lengths.Length; b++)
            {
                int n = lengths[b];
                var used = Enumerable.Range(0, 20).Where(j => mask[b * 20 + j] == 1).Select(j => indices[b * 20 + j]).ToList();
                int expected = n <= 2 ? n : (int)(0.3 * (n - 2)) + 2;
                Assert.HasCount(expected, used, $"example {b} (n = {n})");
                Assert.AreEqual(expected, TokenSelectionRule.SelectedCount(n, options));
                CollectionAssert.AllItemsAreUnique(used);
                Assert.IsTrue(used.SequenceEqual(used.Order()), "ascending");
                Assert.IsTrue(used.All(p => p >= 0 && p < n), $"example {b}: positions within the unpadded length {n}");
                Assert.AreEqual(0, used[0], "first position always selected");
                Assert.AreEqual(n - 1, used[^1], "last position always selected");
                Assert.IsTrue(Enumerable.Range(used.Count, 20 - used.Count).All(j => mask[b * 20 + j] == 0 && indices[b * 20 + j] == 0), "padding slots");
            }
        }
        // The full-length example reaches every interior position over the epochs (uniform sampling, not a fixed subset).
        var seen = Enumerable.Range(0, 20).SelectMany(e => Selection(source.Epoch(e).Single(), options).indices.Take(20)).ToHashSet();
        Assert.IsGreaterThan(55, seen.Count);
    }

    [TestMethod]
    public void Encoder_selects_k_in_total_including_CLS_from_the_attention_mask()
    {
        var ids = new[] { Enumerable.Range(0, 32).Select(i => (long)i).ToArray(), Enumerable.Range(0, 32).Select(i => (long)i).ToArray() };
        var mask = new[] { Enumerable.Repeat(1L, 32).ToArray(), Enumerable.Range(0, 32).Select(i => i < 10 ? 1L : 0L).ToArray() };
        var options = new TokenSelectionOptions { Count = 16, Decoder = false, Slots = 16 };
        var (indices, inUse) = Selection(new TokenSelectionSource(new InMemoryBatchSource([MakeBatch(ids, mask).Inputs]), options).Epoch(0).Single(), options);
        Assert.AreEqual(16, inUse.Take(16).Sum());
        Assert.AreEqual(10, inUse.Skip(16).Sum(), "a 10-token example selects all 10");
        Assert.AreEqual(0, indices[0]);
        Assert.AreEqual(0, indices[16]);
        Assert.IsTrue(indices.Skip(16).Take(10).SequenceEqual(Enumerable.Range(0, 10).Select(i => (long)i)));
    }

    [TestMethod]
    public void Selections_depend_only_on_seed_epoch_and_batch_index()
    {
        var batches = Enumerable.Range(0, 3).Select(i => (IReadOnlyList<NamedTensor>)MakeBatch([Enumerable.Range(0, 50).Select(x => (long)x).ToArray()]).Inputs).ToList();
        var options = new TokenSelectionOptions { Slots = 16, Seed = 11 };
        IEnumerable<long[]> Run(TokenSelectionOptions o, int epoch) =>
            new TokenSelectionSource(new InMemoryBatchSource(batches), o).Epoch(epoch).Select(b => Selection(b, o).indices);
        var first = Run(options, 2).ToList();
        var again = Run(options, 2).ToList();
        for (int i = 0; i < 3; i++) CollectionAssert.AreEqual(first[i], again[i], "same seed, epoch and batch: same selection");
        Assert.IsFalse(first[0].SequenceEqual(first[1]), "another batch index, another selection");
        Assert.IsFalse(first[0].SequenceEqual(Run(options, 3).First()), "another epoch, another selection");
        Assert.IsFalse(first[0].SequenceEqual(Run(options with { Seed = 12 }, 2).First()), "another seed, another selection");
    }

    [TestMethod]
    public void The_samplers_largest_count_is_the_compilers_slot_count()
    {
        foreach (var spec in new[] { "p=0.3", "p=0.1", "p=1", "k=3", "k=16", "k=600" })
        foreach (bool decoder in new[] { true, false })
        foreach (int n in new[] { 1, 2, 3, 8, 128, 512, 2048 })
        {
            int slots = TokenTuneOptions.Parse(spec).SelectedCount(n, decoder);
            var options = OrtTune.Pipeline.TokenSelection.TokenSelection.WithSpec(new TokenSelectionOptions { Slots = slots, Decoder = decoder }, spec);
            Assert.AreEqual(slots, TokenSelectionRule.SelectedCount(n, options), $"{spec} decoder={decoder} n={n}");
        }
    }

    [TestMethod]
    public void Bad_input_gets_clear_messages()
    {
        var options = new TokenSelectionOptions { Slots = 2, Count = 5 };
        var source = new TokenSelectionSource(new InMemoryBatchSource([MakeBatch([Enumerable.Range(0, 20).Select(i => (long)i).ToArray()]).Inputs]), options);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => source.Epoch(0).ToList()).Message, "2 slots");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TokenSelectionOptions { Slots = 4, Ratio = 2 }.Validate()).Message, "(0, 1]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            OrtTune.Pipeline.TokenSelection.TokenSelection.WithSpec(new TokenSelectionOptions { Slots = 4 }, "x=1")).Message, "p=RATIO");
    }

    [TestMethod]
    [DataRow("llama", "p=0.5")]
    [DataRow("bert_opset17", "k=4")]
    public void TokenTune_artifacts_train_with_the_sampler(string fixture, string spec)
    {
        var dir = Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", fixture);
        bool classifier = File.Exists(Path.Combine(dir, "labels.npy"));
        var artifacts = Path.Combine(Path.GetTempPath(), "orttune-tokentune-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var manifest = ArtifactBuilder.Build(Path.Combine(dir, "model.onnx"), artifacts, new ArtifactOptions
            {
                Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
                Loss = new LossOptions(classifier ? LossKind.SequenceClassificationCrossEntropy : LossKind.CausalLMCrossEntropy),
                TokenTune = TokenTuneOptions.Parse(spec),
                LearningRate = 1e-2,
            });
            var settings = manifest.Methods["tokentune"];
            Assert.AreEqual(classifier ? "4" : "5", settings["selected"]);   // encoder k=4; decoder int(0.5·6) + 2
            Assert.IsTrue(manifest.Inputs.Any(i => i.Name == "token_select_indices" && i.Shape.SequenceEqual(new long[] { 2, int.Parse(settings["selected"]) })));

            var feeds = Directory.GetFiles(dir, "inputs_*.npy").Select(f => NpyFile.Read(f, Path.GetFileNameWithoutExtension(f)["inputs_".Length..])).ToList();
            feeds.Add(classifier ? NpyFile.Read(Path.Combine(dir, "labels.npy"), "labels") : feeds.Single(t => t.Name == "input_ids").WithName("labels"));
            var source = OrtTune.Pipeline.TokenSelection.TokenSelection.Wrap(new InMemoryBatchSource([feeds]), manifest, seed: 1);
            Assert.IsInstanceOfType<TokenSelectionSource>(source);

            using var session = SessionCheckpoints.Open(artifacts);
            var evalBatch = source.Epoch(0).Single().Inputs;
            float before = session.Evaluate(evalBatch).loss;
            for (int epoch = 0; epoch < 8; epoch++)
            foreach (var batch in source.Epoch(epoch))
            {
                Assert.IsTrue(float.IsFinite(session.TrainStep(batch.Inputs)));
                session.OptimizerStep(1e-2f);
            }
            float after = session.Evaluate(evalBatch).loss;
            Assert.IsLessThan(before, after, $"{fixture}: eval loss {before} → {after}");
        }
        finally
        {
            if (Directory.Exists(artifacts)) Directory.Delete(artifacts, recursive: true);
        }
    }
}

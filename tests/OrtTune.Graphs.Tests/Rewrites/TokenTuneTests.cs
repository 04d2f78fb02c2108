using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// TokenTune's exactness contract, run in ONNX Runtime: the rewritten training graph's forward outputs equal the
/// unmodified model's for random selections, and with every token selected its loss and gradients equal full
/// backprop, on every fixture, the pretrained stories260K, with LoRA and with freezing.
/// </summary>
[TestClass]
public sealed class TokenTuneTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    /// <summary>A model, its reference inputs and labels, and how it trains.</summary>
    internal sealed record Case(string Path, Dictionary<string, Tensor> Inputs, Tensor Labels, LossKind Kind, ParameterSelection Parameters,
        ClassificationHeadOptions? Head = null)
    {
        public long Batch => Inputs["input_ids"].Dims[0];
        public long Sequence => Inputs["input_ids"].Dims[1];
        public bool Decoder => Kind == LossKind.CausalLMCrossEntropy;

        /// <summary>Unpadded length of example <paramref name="b"/> (from the attention mask where the model has one).</summary>
        public int Length(int b) => Inputs.TryGetValue("attention_mask", out var mask)
            ? (int)mask.ToArray<long>().Skip(b * (int)Sequence).Take((int)Sequence).Sum()
            : (int)Sequence;
    }

    internal static Case FixtureCase(string fixture)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var inputs = OrtHarness.FixtureInputs(dir);
        bool classifier = File.Exists(Path.Combine(dir, "labels.npy"));
        return new Case(Path.Combine(dir, "model.onnx"), inputs, classifier ? Npy.Read(Path.Combine(dir, "labels.npy")) : inputs["input_ids"],
            classifier ? LossKind.SequenceClassificationCrossEntropy : LossKind.CausalLMCrossEntropy, new ParameterSelection());
    }

    private static Case Stories260K()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var raw = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy")).ToArray<long>();
        var ids = Tensor.FromArray(raw, 1, raw.Length);
        // fc/fs are the RoPE cos/sin tables (float initializers in the export): buffers, not parameters.
        return new Case(path, new() { ["input_ids"] = ids }, ids, LossKind.CausalLMCrossEntropy, new ParameterSelection { Freeze = ["fc", "fs"] });
    }

    /// <summary>
    /// A random selection by the reference's rules (decoder: first, last and random others; encoder: [CLS] and
    /// random others) within each example's unpadded length; slots an example does not fill are padding (mask 0).
    /// </summary>
    internal static (Tensor Indices, Tensor Mask) RandomSelection(Case c, int k, int seed)
    {
        var random = new Random(seed);
        var indices = new long[c.Batch * k];
        var mask = new long[c.Batch * k];
        for (int b = 0; b < c.Batch; b++)
        {
            int n = c.Length(b);
            var chosen = new List<long> { 0 };
            if (c.Decoder && n > 1) chosen.Add(n - 1);
            var pool = Enumerable.Range(1, Math.Max(0, c.Decoder ? n - 2 : n - 1)).Select(i => (long)i).ToArray();
            random.Shuffle(pool);
            // One example uses fewer slots than k, so the padding path is exercised too.
            int want = Math.Min(k - (b == 0 ? 1 : 0), n);
            chosen.AddRange(pool.Take(Math.Max(0, want - chosen.Count)));
            chosen.Sort();
            for (int j = 0; j < chosen.Count; j++) (indices[b * k + j], mask[b * k + j]) = (chosen[j], 1);
        }
        return (Tensor.FromArray(indices, c.Batch, k), Tensor.FromArray(mask, c.Batch, k));
    }

    internal static (Tensor Indices, Tensor Mask) AllTokens(Case c)
    {
        long n = c.Sequence;
        var indices = Enumerable.Range(0, (int)(c.Batch * n)).Select(i => (long)(i % n)).ToArray();
        return (Tensor.FromArray(indices, c.Batch, n), Tensor.FromArray(Enumerable.Repeat(1L, indices.Length).ToArray(), c.Batch, n));
    }

    internal static (TrainingGraph Graph, Dictionary<string, Tensor> Results) Train(Case c, TokenTuneOptions? tokenTune,
        (Tensor Indices, Tensor Mask)? selection, LoraOptions? lora = null, FrozenWeightQuantizationOptions? quantize = null)
    {
        var training = TrainingGraphBuilder.Build(OnnxModelIO.Load(c.Path), new TrainingGraphOptions
        {
            Shapes = new SpecializationOptions { Batch = c.Batch, Sequence = c.Sequence },
            Loss = new LossOptions(c.Kind),
            Parameters = c.Parameters,
            Lora = lora,
            Head = c.Head,
            TokenTune = tokenTune,
            QuantizeFrozen = quantize,
        });
        var feeds = new Dictionary<string, Tensor>(c.Inputs) { ["labels"] = c.Labels };
        if (selection is { } s)
        {
            feeds[TokenTuneOptions.DefaultIndicesName] = s.Indices;
            feeds[TokenTuneOptions.DefaultMaskName] = s.Mask;
        }
        foreach (var (name, tensor) in training.InitialParameters) feeds[name] = tensor;
        return (training, OrtHarness.Run(OnnxModelIO.ToBytes(training.Model), feeds));
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Forward_outputs_equal_the_unmodified_models_for_random_selections(string fixture) =>
        AssertForwardExact(FixtureCase(fixture), fixture);

    [TestMethod]
    public void Stories260K_forward_outputs_equal_the_unmodified_models_for_random_selections() =>
        AssertForwardExact(Stories260K(), "stories260K");

    private static void AssertForwardExact(Case c, string label)
    {
        var expected = OrtHarness.Run(c.Path, c.Inputs).First().Value;   // the first output is the prediction
        foreach (int seed in new[] { 1, 2, 3 })
        {
            int k = new TokenTuneOptions { Ratio = 0.5 }.SelectedCount(c.Sequence, c.Decoder);
            var options = new TokenTuneOptions { Count = c.Decoder ? Math.Max(0, k - 2) : k };
            var selection = RandomSelection(c, k, seed);
            var (training, results) = Train(c, options, selection);
            Assert.AreEqual(k, training.TokenTuneCount, $"{label}: selection slots");
            var actual = results[training.PredictionName];
            var want = c.Decoder ? GatherRows(expected, selection.Indices) : expected;
            double error = OrtHarness.MaxAbsDiff(want, actual);
            Assert.IsLessThanOrEqualTo(1e-5, error, $"{label} seed {seed}: prediction max error {error:G3}");
            Console.WriteLine($"{label} seed {seed}: k = {k} of {c.Sequence}, prediction max abs error {error:G3}");
            Assert.IsTrue(float.IsFinite(results[training.LossName].ToArray<float>()[0]), $"{label}: loss");
        }
    }

    /// <summary>out[b, j, :] = x[b, indices[b, j], :].</summary>
    internal static Tensor GatherRows(Tensor x, Tensor indices)
    {
        var (batch, seq, width) = (x.Dims[0], x.Dims[1], x.Dims[2]);
        long k = indices.Dims[1];
        var src = x.ToArray<float>();
        var idx = indices.ToArray<long>();
        var result = new float[batch * k * width];
        for (long b = 0; b < batch; b++)
        for (long j = 0; j < k; j++)
            Array.Copy(src, (b * seq + idx[b * k + j]) * width, result, (b * k + j) * width, width);
        return Tensor.FromArray(result, batch, k, width);
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void With_every_token_selected_the_gradients_equal_full_backprop(string fixture) =>
        AssertAllTokensExact(FixtureCase(fixture), fixture);

    [TestMethod]
    public void Stories260K_with_every_token_selected_the_gradients_equal_full_backprop() =>
        AssertAllTokensExact(Stories260K(), "stories260K");

    /// <summary>
    /// A causal model whose selection is a prefix: the selected tokens attend only to selected tokens, so TokenTune's
    /// surrogate is the model itself, and the loss and gradients must equal full backprop on the loss of those
    /// positions. Covers partial selections through grouped-query attention, RoPE and the recombined keys and values.
    /// </summary>
    [TestMethod]
    [DataRow("llama")]
    [DataRow("stories260K")]
    public void A_prefix_selection_trains_like_backprop_on_the_prefix(string model)
    {
        var c = model == "stories260K" ? Stories260K() : FixtureCase(model);
        int k = (int)c.Sequence / 2;
        var ids = c.Inputs["input_ids"].ToArray<long>();
        // Loss terms at positions 0 … k−1: their targets are the tokens at 1 … k.
        var labels = ids.Select((id, i) => i % c.Sequence <= k ? id : -100L).ToArray();
        var prefix = c with { Labels = Tensor.FromArray(labels, c.Batch, c.Sequence) };
        var indices = Enumerable.Range(0, (int)(c.Batch * k)).Select(i => (long)(i % k)).ToArray();
        var selection = (Tensor.FromArray(indices, c.Batch, k), Tensor.FromArray(Enumerable.Repeat(1L, indices.Length).ToArray(), c.Batch, k));
        var (full, fullResults) = Train(prefix, null, null);
        var (tuned, tunedResults) = Train(prefix, new TokenTuneOptions { Count = k - 2 }, selection);
        float fullLoss = fullResults[full.LossName].ToArray<float>()[0];
        Assert.AreEqual(fullLoss, tunedResults[tuned.LossName].ToArray<float>()[0], 1e-5 * Math.Max(1, Math.Abs(fullLoss)), $"{model}: loss");
        double largest = full.GradientNames.Values.Max(g => fullResults[g].ToArray<float>().Max(Math.Abs));
        foreach (var (param, grad) in full.GradientNames)
        {
            double error = OrtHarness.MaxAbsDiff(fullResults[grad], tunedResults[tuned.GradientNames[param]]);
            Assert.IsLessThanOrEqualTo(1e-5, error / largest, $"{model}: '{param}' max error {error:G3} (largest gradient {largest:G3})");
        }
    }

    [TestMethod]
    public void With_LoRA_and_every_token_selected_the_gradients_equal_LoRA_backprop()
    {
        var c = FixtureCase("llama");
        var lora = new LoraOptions { Rank = 4, Targets = ["*_proj.weight"] };
        AssertAllTokensExact(c, "llama+LoRA", lora);
        var bert = FixtureCase("bert_opset17") with { Parameters = new ParameterSelection { Freeze = ["embeddings.*"] } };
        AssertAllTokensExact(bert, "bert frozen embeddings");
    }

    private static void AssertAllTokensExact(Case c, string label, LoraOptions? lora = null)
    {
        var (full, fullResults) = Train(c, null, null, lora);
        var (tuned, tunedResults) = Train(c, new TokenTuneOptions { Count = (int)c.Sequence }, AllTokens(c), lora);
        Assert.AreEqual((int)c.Sequence, tuned.TokenTuneCount);
        CollectionAssert.AreEqual(full.Trainable.ToList(), tuned.Trainable.ToList(), $"{label}: trainable parameters");
        float fullLoss = fullResults[full.LossName].ToArray<float>()[0];
        float tunedLoss = tunedResults[tuned.LossName].ToArray<float>()[0];
        Assert.AreEqual(fullLoss, tunedLoss, 1e-5 * Math.Max(1, Math.Abs(fullLoss)), $"{label}: loss");
        double largest = full.GradientNames.Values.Max(g => fullResults[g].ToArray<float>().Max(Math.Abs));
        double worst = 0;
        foreach (var (param, grad) in full.GradientNames)
        {
            var expected = fullResults[grad];
            var actual = tunedResults[tuned.GradientNames[param]];
            double error = OrtHarness.MaxAbsDiff(expected, actual);
            worst = Math.Max(worst, error / Math.Max(largest, 1e-6));
            Assert.IsLessThanOrEqualTo(1e-5, error / Math.Max(largest, 1e-6), $"{label}: '{param}' max error {error:G3} (largest gradient {largest:G3})");
        }
        Console.WriteLine($"{label}: all tokens selected, loss {tunedLoss} vs {fullLoss}, worst gradient error {worst:G3} of the largest gradient");
    }

    /// <summary>
    /// The no-grad branch's attention computed in blocks of queries (<see cref="NoGradAttentionBlocks"/>) gives the
    /// same prediction, loss and gradients as computing it whole, for a random selection.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Attention_in_query_blocks_changes_nothing(string fixture)
    {
        var c = FixtureCase(fixture);
        var whole = new TokenTuneOptions { Ratio = 0.5, AttentionBlock = 0 };
        var blocks = whole with { AttentionBlock = 3 };
        var selection = RandomSelection(c, whole.SelectedCount(c.Sequence, c.Decoder), 5);
        var (a, ra) = Train(c, whole, selection);
        var (b, rb) = Train(c, blocks, selection);
        int softmaxWhole = a.Model.Graph.Nodes.Count(n => n.OpType == "Softmax");
        int softmaxBlocks = b.Model.Graph.Nodes.Count(n => n.OpType == "Softmax");
        Assert.IsGreaterThan(softmaxWhole, softmaxBlocks, $"{fixture}: no attention was split into blocks");
        Assert.IsLessThanOrEqualTo(1e-6, OrtHarness.MaxAbsDiff(ra[a.PredictionName], rb[b.PredictionName]), $"{fixture}: prediction");
        Assert.AreEqual(ra[a.LossName].ToArray<float>()[0], rb[b.LossName].ToArray<float>()[0], 1e-6, $"{fixture}: loss");
        foreach (var (param, grad) in a.GradientNames)
        {
            double error = OrtHarness.MaxAbsDiff(ra[grad], rb[b.GradientNames[param]]);
            Assert.IsLessThanOrEqualTo(1e-6, error, $"{fixture}: '{param}' gradient");
        }
        Console.WriteLine($"{fixture}: {softmaxWhole} → {softmaxBlocks} softmax nodes with blocks of 3 queries");
    }

    [TestMethod]
    public void A_random_selection_trains_only_through_the_selected_tokens()
    {
        // With [CLS] the only selected token of a 1-layer-deep view, gradients still reach every layer but differ from full backprop.
        var c = FixtureCase("llama");
        var (full, fullResults) = Train(c, null, null);
        var selection = RandomSelection(c, 4, seed: 7);
        var (tuned, tunedResults) = Train(c, new TokenTuneOptions { Count = 2 }, selection);
        Assert.AreEqual(4, tuned.TokenTuneCount);
        string grad = "model.embed_tokens.weight";
        var embedding = tunedResults[tuned.GradientNames[grad]].ToArray<float>();
        var ids = c.Inputs["input_ids"].ToArray<long>();
        var idx = selection.Indices.ToArray<long>();
        var inUse = selection.Mask.ToArray<long>();
        // Embedding rows of tokens that occur only at unselected positions get no gradient.
        var selectedIds = new HashSet<long>();
        for (int b = 0; b < c.Batch; b++)
        for (int j = 0; j < 4; j++)
            if (inUse[b * 4 + j] == 1) selectedIds.Add(ids[b * c.Sequence + idx[b * 4 + j]]);
        const int width = 32;
        int unselectedRows = 0;
        foreach (long id in ids.Distinct().Where(i => !selectedIds.Contains(i)))
        {
            unselectedRows++;
            Assert.IsTrue(embedding.Skip((int)id * width).Take(width).All(v => v == 0), $"embedding row {id} (never selected) has a gradient");
        }
        Assert.IsGreaterThan(0, unselectedRows, "the selection should leave some token ids out");
        Assert.IsTrue(selectedIds.Any(id => embedding.Skip((int)id * width).Take(width).Any(v => v != 0)), "selected rows get gradients");
        Assert.IsGreaterThan(1e-4, OrtHarness.MaxAbsDiff(fullResults[full.GradientNames[grad]], tunedResults[tuned.GradientNames[grad]]));
    }

    [TestMethod]
    public void Bad_settings_are_refused_with_clear_messages()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        new Specialization(new SpecializationOptions { Batch = 2, Sequence = 8 }).Run(model);
        var e = Assert.ThrowsExactly<OrtTuneException>(() => TokenTuneRewrite.Apply(model, new TokenTuneOptions(), 9));
        StringAssert.Contains(e.Message, "do not fit a sequence of 8");
        e = Assert.ThrowsExactly<OrtTuneException>(() => TokenTuneRewrite.Apply(model, new TokenTuneOptions { IdsInput = "tokens" }, 4));
        StringAssert.Contains(e.Message, "no input 'tokens'");
        StringAssert.Contains(Assert.ThrowsExactly<OrtTuneException>(() => TokenTuneOptions.Parse("q=3")).Message, "p=RATIO");
        StringAssert.Contains(Assert.ThrowsExactly<OrtTuneException>(() => TokenTuneOptions.Parse("p=1.5")).Message, "(0, 1]");
    }

    [TestMethod]
    public void Selected_counts_follow_the_reference_rules()
    {
        Assert.AreEqual(615, TokenTuneOptions.Parse("p=0.3").SelectedCount(2048, decoder: true));   // int(0.3·2046) + 2
        Assert.AreEqual(16, TokenTuneOptions.Parse("k=16").SelectedCount(128, decoder: false));
        Assert.AreEqual(8, TokenTuneOptions.Parse("k=16").SelectedCount(8, decoder: false));
        Assert.AreEqual(8, TokenTuneOptions.Parse("k=100").SelectedCount(8, decoder: true));
        Assert.AreEqual(5, TokenTuneOptions.Parse("k=3").SelectedCount(8, decoder: true));
        Assert.AreEqual(0.3, new TokenTuneOptions().EffectiveRatio);
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Only_the_token_mixing_ops_read_all_tokens(string fixture)
    {
        var c = FixtureCase(fixture);
        var model = OnnxModelIO.Load(c.Path);
        new Specialization(new SpecializationOptions { Batch = c.Batch, Sequence = c.Sequence }).Run(model);
        var result = TokenTuneRewrite.Apply(model, new TokenTuneOptions { Count = 2 }, c.Decoder);
        var mixing = result.Mixing.Select(n => n.OpType).ToList();
        // Per layer: scores = Q·Kᵀ and probabilities·V; BERT also picks [CLS] for its pooler.
        var expected = Enumerable.Repeat("MatMul", 4).Concat(c.Decoder ? [] : new[] { "Gather" }).ToList();
        CollectionAssert.AreEquivalent(expected, mixing, $"{fixture}: {string.Join(", ", result.Mixing.Select(n => $"{n.OpType} '{n.Name}'"))}");
        Assert.AreEqual(c.Decoder, result.SelectedOutputs.Count == 1, "an LM's logits are per selected token");
    }

    [TestMethod]
    public void Stories260K_mixes_tokens_only_in_attention()
    {
        var c = Stories260K();
        var model = OnnxModelIO.Load(c.Path);
        new Specialization(new SpecializationOptions { Batch = c.Batch, Sequence = c.Sequence }).Run(model);
        int layers = model.Graph.Initializers.Count(v => v.Name.EndsWith(".wq.weight", StringComparison.Ordinal));
        var result = TokenTuneRewrite.Apply(model, new TokenTuneOptions(), decoder: true);
        Assert.IsGreaterThan(0, layers);
        CollectionAssert.AreEqual(Enumerable.Repeat("MatMul", 2 * layers).ToList(), result.Mixing.Select(n => n.OpType).ToList(),
            string.Join(", ", result.Mixing.Select(n => $"{n.OpType} '{n.Name}'")));
    }
}

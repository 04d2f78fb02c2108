using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// TokenTune with a mean-pooling classification head on the llama fixture, whose head pools by the attention mask
/// alone (the model itself has no mask input): with pool=selected the training logits are the head on the mean of
/// the selected tokens, which is the unmodified classifier fed a mask of just those tokens; with pool=all they are
/// the unmodified classifier's. With every token selected both train exactly like full backprop.
/// </summary>
[TestClass]
public sealed class TokenTuneHeadTests
{
    private static readonly TokenTuneTests.Case Classifier = TokenTuneTests.FixtureCase("llama") with
    {
        Kind = LossKind.SequenceClassificationCrossEntropy,
        Labels = Tensor.FromArray(new long[] { 1, 0 }, 2),
        Head = new ClassificationHeadOptions { Classes = 2, Pooling = HeadPooling.Mean },
    };

    /// <summary>
    /// TokenTuneTests.Train on the classifier, with <paramref name="mask"/> as the head's attention mask and, with
    /// <paramref name="pooler"/>, a dense + tanh layer between the pool and the classifier.
    /// </summary>
    private static (TrainingGraph Graph, Dictionary<string, Tensor> Results) Train(TokenTuneOptions? tokenTune,
        (Tensor Indices, Tensor Mask)? selection, Tensor mask, bool pooler = false) =>
        TokenTuneTests.Train(Classifier with
        {
            Inputs = new(Classifier.Inputs) { [ClassificationHead.MaskInput] = mask },
            Head = Classifier.Head! with { Pooler = pooler },
        }, tokenTune, selection);

    private static Tensor AllReal => Tensor.FromArray(Enumerable.Repeat(1L, (int)(Classifier.Batch * Classifier.Sequence)).ToArray(),
        Classifier.Batch, Classifier.Sequence);

    /// <summary>[B, n] with 1 at the positions of the slots in use.</summary>
    private static Tensor SelectedMask((Tensor Indices, Tensor Mask) s)
    {
        long batch = s.Indices.Dims[0], k = s.Indices.Dims[1], n = Classifier.Sequence;
        var mask = new long[batch * n];
        var idx = s.Indices.ToArray<long>();
        var used = s.Mask.ToArray<long>();
        for (long b = 0; b < batch; b++)
        for (long j = 0; j < k; j++)
            if (used[b * k + j] == 1) mask[b * n + idx[b * k + j]] = 1;
        return Tensor.FromArray(mask, batch, n);
    }

    private static TokenTuneOptions Options(TokenTunePooling pooling) => new() { Count = 3, Pooling = pooling };

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Selected_pooling_trains_the_head_on_the_mean_of_the_selected_tokens(bool pooler)
    {
        foreach (int seed in new[] { 1, 2 })
        {
            var options = Options(TokenTunePooling.Selected);
            int k = options.SelectedCount(Classifier.Sequence, decoder: false);
            var selection = TokenTuneTests.RandomSelection(Classifier, k, seed);
            var (tuned, results) = Train(options, selection, AllReal, pooler);
            var (plain, expected) = Train(null, null, SelectedMask(selection), pooler);
            double error = OrtHarness.MaxAbsDiff(expected[plain.PredictionName], results[tuned.PredictionName]);
            Assert.IsLessThanOrEqualTo(1e-5, error, $"seed {seed}: logits max error {error:G3}");
            // And it is not the all-token mean: the test would pass for any pooling otherwise.
            var (_, all) = Train(null, null, AllReal, pooler);
            Assert.IsGreaterThan(1e-4, OrtHarness.MaxAbsDiff(all[plain.PredictionName], results[tuned.PredictionName]), $"seed {seed}: differs from the all-token head");
        }
    }

    [TestMethod]
    public void All_pooling_keeps_the_unmodified_forward()
    {
        var options = Options(TokenTunePooling.All);
        var selection = TokenTuneTests.RandomSelection(Classifier, options.SelectedCount(Classifier.Sequence, decoder: false), 3);
        var (tuned, results) = Train(options, selection, AllReal);
        var (plain, expected) = Train(null, null, AllReal);
        double error = OrtHarness.MaxAbsDiff(expected[plain.PredictionName], results[tuned.PredictionName]);
        Assert.IsLessThanOrEqualTo(1e-5, error, $"logits max error {error:G3}");
    }

    /// <summary>
    /// pool=unbiased: averaged over every selection the encoder rule can draw ([CLS] and k − 1 of the other real
    /// tokens, uniformly), the training logits are the unmodified classifier's, for a full-length example and for
    /// a padded one. The plain selected mean is not (position 0 weighs 1/k in it, 1/n in the eval pool).
    /// </summary>
    [TestMethod]
    public void Unbiased_pooling_averages_to_the_eval_graphs_pool()
    {
        const int k = 3;
        var mask = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i < 14 ? 1L : 0L).ToArray(), 2, 8); // lengths 8 and 6
        var (plain, expected) = Train(null, null, mask);
        var eval = expected[plain.PredictionName].ToArray<float>();
        foreach (var pooling in new[] { TokenTunePooling.Unbiased, TokenTunePooling.Selected })
            for (int example = 0; example < 2; example++)
            {
                int n = example == 0 ? 8 : 6;
                var subsets = Pairs(n - 1).ToList();
                var sum = new double[2];
                foreach (var (a, b) in subsets)
                {
                    // This example draws {0, a, b}; the other example keeps one fixed selection.
                    long[] rows = example == 0 ? [0, a, b, 0, 1, 2] : [0, 1, 2, 0, a, b];
                    var selection = (Tensor.FromArray(rows, 2, k), Tensor.FromArray(Enumerable.Repeat(1L, 2 * k).ToArray(), 2, k));
                    var (tuned, results) = Train(new TokenTuneOptions { Count = k, Pooling = pooling }, selection, mask);
                    var logits = results[tuned.PredictionName].ToArray<float>();
                    for (int c = 0; c < 2; c++) sum[c] += logits[example * 2 + c];
                }
                double error = Enumerable.Range(0, 2).Max(c => Math.Abs(sum[c] / subsets.Count - eval[example * 2 + c]));
                if (pooling == TokenTunePooling.Unbiased) Assert.IsLessThanOrEqualTo(1e-5, error, $"example {example} (n {n}): mean logits vs eval, error {error:G3}");
                else Assert.IsGreaterThan(1e-4, error, $"example {example}: the plain selected mean is biased, so this test can tell the two apart");
            }
    }

    /// <summary>Every pair a &lt; b of positions 1 … m.</summary>
    private static IEnumerable<(long, long)> Pairs(int m)
    {
        for (long a = 1; a <= m; a++)
            for (long b = a + 1; b <= m; b++) yield return (a, b);
    }

    [TestMethod]
    [DataRow(TokenTunePooling.Selected, false)]
    [DataRow(TokenTunePooling.All, false)]
    [DataRow(TokenTunePooling.Unbiased, false)]
    [DataRow(TokenTunePooling.Selected, true)]
    public void With_every_token_selected_the_head_trains_like_full_backprop(TokenTunePooling pooling, bool pooler)
    {
        var (full, fullResults) = Train(null, null, AllReal, pooler);
        var (tuned, tunedResults) = Train(new TokenTuneOptions { Count = (int)Classifier.Sequence, Pooling = pooling }, TokenTuneTests.AllTokens(Classifier), AllReal, pooler);
        if (pooler) Assert.IsTrue(full.GradientNames.Keys.Any(p => p.Contains("pooler")), "the pooler trains");
        double largest = full.GradientNames.Values.Max(g => fullResults[g].ToArray<float>().Max(Math.Abs));
        foreach (var (param, grad) in full.GradientNames)
        {
            double error = OrtHarness.MaxAbsDiff(fullResults[grad], tunedResults[tuned.GradientNames[param]]);
            Assert.IsLessThanOrEqualTo(1e-5, error / largest, $"{pooling}: '{param}' max error {error:G3} (largest gradient {largest:G3})");
        }
    }

    /// <summary>
    /// A last-token head reads one position per example, so TokenTune selects by the decoder rule (first and last
    /// kept): the head sees the unmodified model's last hidden state and trains exactly as full backprop trains it, and
    /// the body gets gradients through the selected tokens. The manifest records the rule, for the runner's sampler.
    /// </summary>
    [TestMethod]
    public void A_last_token_head_selects_by_the_decoder_rule()
    {
        var last = Classifier with { Head = new ClassificationHeadOptions { Classes = 2, Pooling = HeadPooling.Last } };
        var options = new TokenTuneOptions { Count = 2 };
        int k = options.SelectedCount(last.Sequence, decoder: true);
        Assert.AreEqual(4, k, "two random positions, the first and the last");
        var selection = (Tensor.FromArray(new long[] { 0, 2, 5, 7, 0, 1, 6, 7 }, 2, k), Tensor.FromArray(Enumerable.Repeat(1L, 2 * k).ToArray(), 2, k));
        var withMask = last with { Inputs = new(last.Inputs) { [ClassificationHead.MaskInput] = AllReal } };
        var (tuned, results) = TokenTuneTests.Train(withMask, options, selection);
        var (full, expected) = TokenTuneTests.Train(withMask, null, null);
        Assert.IsLessThanOrEqualTo(1e-5, OrtHarness.MaxAbsDiff(expected[full.PredictionName], results[tuned.PredictionName]), "logits");
        Assert.IsTrue(tuned.TokenTuneDecoderRule);
        foreach (var (param, grad) in tuned.GradientNames)
        {
            var g = results[grad].ToArray<float>();
            if (param.StartsWith("classifier.", StringComparison.Ordinal))
                Assert.IsLessThanOrEqualTo(1e-5, OrtHarness.MaxAbsDiff(expected[full.GradientNames[param]], results[grad]), $"head '{param}' as in full backprop");
            else if (param.Contains("layers.", StringComparison.Ordinal) && param.EndsWith("proj.weight", StringComparison.Ordinal))
                Assert.IsGreaterThan(0f, g.Max(Math.Abs), $"body '{param}' gets a gradient");
        }

        var artifacts = TestPaths.TempDirectory("tokentune-last-head");
        try
        {
            ArtifactBuilder.Build(last.Path, artifacts, new ArtifactOptions
            {
                Shapes = new SpecializationOptions { Batch = last.Batch, Sequence = last.Sequence },
                Loss = new LossOptions(last.Kind),
                Head = last.Head,
                TokenTune = options,
            });
            var manifest = OrtTune.Artifacts.Manifest.ArtifactManifest.Load(artifacts);
            Assert.AreEqual("decoder", manifest.Methods["tokentune"]["rule"]);
            Assert.AreEqual("4", manifest.Methods["tokentune"]["selected"]);
        }
        finally
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    [TestMethod]
    public void The_pooling_is_read_and_recorded()
    {
        Assert.AreEqual(TokenTunePooling.Selected, TokenTuneOptions.Parse("p=0.3").Pooling);
        Assert.AreEqual(TokenTunePooling.All, TokenTuneOptions.Parse("k=16, pool=all").Pooling);
        Assert.AreEqual("all", TokenTuneOptions.Parse("p=0.5,pool=all").ToSettings(4, decoder: false)["pooling"]);
        var e = Assert.ThrowsExactly<OrtTune.Graphs.Diagnostics.OrtTuneException>(() => TokenTuneOptions.Parse("p=0.3,pool=max"));
        StringAssert.Contains(e.Message, "pool=max");
    }
}

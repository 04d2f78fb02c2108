using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// For a random selection, the TokenTune training graph's loss and gradients equal those of the paper's two-branch
/// model written directly in PyTorch (tools/fixtures/export_tokentune_refs.py: selected and unselected tokens as two
/// branches through every layer, attention over the concatenated keys, unselected keys and values constant).
/// </summary>
[TestClass]
public sealed class TokenTunePyTorchTests
{
    private const double RelativeTolerance = 1e-4;

    [TestMethod]
    [DataRow("bert", "bert_opset17")]
    [DataRow("bert", "bert_opset14")]
    [DataRow("llama", "llama")]
    public void Gradients_for_a_random_selection_equal_the_pytorch_two_branch_model(string reference, string fixture)
    {
        var dir = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "tokentune", reference);
        var indices = Npy.Read(Path.Combine(dir, "selection_indices.npy"));
        var mask = Npy.Read(Path.Combine(dir, "selection_mask.npy"));
        var c = TokenTuneTests.FixtureCase(fixture);
        int slots = (int)indices.Dims[1];
        // Encoder: k slots in total; decoder: k random + first and last.
        var options = new TokenTuneOptions { Count = c.Decoder ? slots - 2 : slots };
        var (training, results) = TokenTuneTests.Train(c, options, (indices, mask));
        Assert.AreEqual(slots, training.TokenTuneCount);

        float refLoss = Npy.Read(Path.Combine(dir, "loss.npy")).ToArray<float>()[0];
        float loss = results[training.LossName].ToArray<float>()[0];
        Assert.AreEqual(refLoss, loss, 1e-5 * Math.Max(1, Math.Abs(refLoss)), $"{fixture}: loss");

        var expected = training.GradientNames.Keys.ToDictionary(p => p, p => Npy.Read(Path.Combine(dir, $"grad_{p}.npy")));
        double floor = 1e-2 * expected.Values.Max(t => t.ToArray<float>().Max(Math.Abs));
        double worst = 0;
        foreach (var (param, grad) in training.GradientNames)
        {
            var want = expected[param];
            double scale = Math.Max(want.ToArray<float>().Max(Math.Abs), floor);
            double error = OrtHarness.MaxAbsDiff(want, results[grad]) / scale;
            worst = Math.Max(worst, error);
            Assert.IsLessThanOrEqualTo(RelativeTolerance, error, $"{fixture}: '{param}' relative error {error:G3}");
        }
        // Not vacuous: the selection changes the gradients well beyond the tolerance (full backprop's are the fixture's).
        double fromFull = training.GradientNames.Keys.Max(p =>
            OrtHarness.MaxAbsDiff(expected[p], Npy.Read(Path.Combine(TestPaths.FixtureModels, fixture, $"grad_{p}.npy"))) / Math.Max(expected[p].ToArray<float>().Max(Math.Abs), floor));
        Assert.IsGreaterThan(1e-2, fromFull, $"{fixture}: the selection should change the gradients");
        Console.WriteLine($"{fixture}: loss {loss} vs {refLoss}; worst relative gradient error {worst:G3} over {expected.Count} parameters");
    }
}

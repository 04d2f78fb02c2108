using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.Training;

/// <summary>
/// Whole-model parameter gradients of OrtTune's training graph, run in ONNX Runtime, equal PyTorch autograd's
/// gradients (written by the fixture scripts) on every fixture and on the pretrained stories260K model.
/// </summary>
[TestClass]
public sealed class PyTorchGradientTests
{
    /// <summary>Relative error bound of the issue: ‖ours − torch‖∞ ≤ 1e-4 · max(‖torch‖∞, floor).</summary>
    private const double RelativeTolerance = 1e-4;

    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Fixture_gradients_equal_pytorch(string fixture)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var inputs = OrtHarness.FixtureInputs(dir);
        var ids = inputs["input_ids"];
        // Classifier fixtures ship labels.npy; the language models are trained on their own next tokens.
        bool classifier = File.Exists(Path.Combine(dir, "labels.npy"));
        var labels = classifier ? Npy.Read(Path.Combine(dir, "labels.npy")) : ids;
        var kind = classifier ? LossKind.SequenceClassificationCrossEntropy : LossKind.CausalLMCrossEntropy;
        var refLoss = Npy.Read(Path.Combine(dir, "ref_loss.npy")).ToArray<float>()[0];
        AssertGradients(Path.Combine(dir, "model.onnx"), inputs, labels, kind, refLoss,
            name => Path.Combine(dir, $"grad_{name}.npy"), fixture);
    }

    [TestMethod]
    public void Stories260K_gradients_equal_pytorch()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var raw = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy")).ToArray<long>();
        var ids = Tensor.FromArray(raw, 1, raw.Length);
        var dir = Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "stories260k");
        var refLoss = Npy.Read(Path.Combine(dir, "ref_loss.npy")).ToArray<float>()[0];
        // fc/fs are the RoPE cos/sin tables: buffers in PyTorch, float initializers in the export, so freeze them.
        AssertGradients(path, new Dictionary<string, Tensor> { ["input_ids"] = ids }, ids, LossKind.CausalLMCrossEntropy, refLoss,
            name => Path.Combine(dir, $"grad_{name}.npy"), "stories260K", new ParameterSelection { Freeze = ["fc", "fs"] });
    }

    private static void AssertGradients(string modelPath, Dictionary<string, Tensor> inputs, Tensor labels, LossKind kind,
        float refLoss, Func<string, string> gradFile, string label, ParameterSelection? parameters = null)
    {
        var first = inputs["input_ids"];
        var training = TrainingGraphBuilder.Build(OnnxModelIO.Load(modelPath), new TrainingGraphOptions
        {
            Shapes = new SpecializationOptions { Batch = first.Dims[0], Sequence = first.Dims[1] },
            Loss = new LossOptions(kind),
            Parameters = parameters ?? new ParameterSelection(),
        });
        var feeds = new Dictionary<string, Tensor>(inputs) { ["labels"] = labels };
        foreach (var (name, tensor) in training.InitialParameters) feeds[name] = tensor;
        var results = OrtHarness.Run(OnnxModelIO.ToBytes(training.Model), feeds);

        Assert.AreEqual(refLoss, results[training.LossName].ToArray<float>()[0], 1e-5 * Math.Max(1, Math.Abs(refLoss)), $"{label}: loss");
        var references = new Dictionary<string, float[]>();
        foreach (var param in training.GradientNames.Keys)
        {
            var file = gradFile(param);
            Assert.IsTrue(File.Exists(file), $"{label}: no PyTorch gradient for trainable parameter '{param}'");
            references[param] = Npy.Read(file).ToArray<float>();
        }
        // Some gradients are zero in exact arithmetic (BERT's key bias: softmax ignores a per-query shift), so PyTorch
        // reports rounding noise there; scale each tensor's error by at least 1% of the model's largest gradient.
        double floor = 1e-2 * references.Values.Max(r => r.Max(Math.Abs));
        int compared = 0;
        foreach (var (param, gradName) in training.GradientNames)
        {
            var expected = references[param];
            var actual = results[gradName].ToArray<float>();
            Assert.HasCount(expected.Length, actual, $"{label}: '{param}' gradient size");
            double scale = Math.Max(expected.Max(Math.Abs), floor);
            double error = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.IsLessThanOrEqualTo(RelativeTolerance, error / scale, $"{label}: '{param}' max error {error:G3} vs scale {scale:G3}");
            compared++;
        }
        Assert.IsGreaterThan(0, compared);
    }
}

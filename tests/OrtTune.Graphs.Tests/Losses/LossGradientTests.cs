using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Losses;

/// <summary>
/// d loss / d prediction through <see cref="ReverseMode"/>, against PyTorch's autograd and central finite differences
/// of the same ONNX Runtime model. Inconclusive (skipped) while an op of the loss block still lacks a gradient rule.
/// </summary>
[TestClass]
public sealed class LossGradientTests
{
    public static IEnumerable<object[]> Cases() => LossFixture.Cases();

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Double_gradient_matches_autograd_and_finite_differences(string name)
    {
        var f = LossFixture.Load(name);
        var (model, x, loss) = f.Build(DataType.Double);
        RequireRules(model, x, loss);
        LossFixture.AddGradientOutput(model, x, loss);
        var bytes = OnnxModelIO.ToBytes(model);
        var feeds = f.Feeds(DataType.Double, LossValueTests.LabelsName(f.Kind));
        var grad = ToDoubles(OrtHarness.Run(bytes, feeds, ["prediction_grad"])["prediction_grad"]);

        Assert.HasCount(f.Grad.Length, grad);
        for (int i = 0; i < grad.Length; i++)
            Assert.AreEqual(f.Grad[i], grad[i], 1e-12 + 1e-9 * Math.Abs(f.Grad[i]), $"{name}: d loss / d prediction[{i}] vs autograd");

        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(bytes);
        var values = ToDoubles(feeds["prediction"]);
        const double eps = 1e-6;
        for (int i = 0; i < values.Length; i++)
        {
            double At(double v)
            {
                var copy = (double[])values.Clone();
                copy[i] = v;
                var shifted = new Dictionary<string, Tensor>(feeds) { ["prediction"] = FromDoubles(copy, feeds["prediction"]) };
                return ToDoubles(OrtHarness.Run(session, shifted, ["loss"])["loss"])[0];
            }
            // Large logits make the loss large; the step's rounding error scales with it.
            double numeric = (At(values[i] + eps) - At(values[i] - eps)) / (2 * eps);
            double tolerance = 1e-6 * (1 + Math.Abs(f.Loss)) + 1e-6 * Math.Abs(numeric);
            Assert.AreEqual(numeric, grad[i], tolerance, $"{name}: d loss / d prediction[{i}] vs finite differences");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Float_gradient_matches_autograd(string name)
    {
        var f = LossFixture.Load(name);
        var (model, x, loss) = f.Build(DataType.Float);
        RequireRules(model, x, loss);
        LossFixture.AddGradientOutput(model, x, loss);
        var grad = ToDoubles(OrtHarness.Run(OnnxModelIO.ToBytes(model), f.Feeds(DataType.Float, LossValueTests.LabelsName(f.Kind)), ["prediction_grad"])["prediction_grad"]);
        double scale = f.Grad.Max(Math.Abs);
        for (int i = 0; i < grad.Length; i++)
            Assert.AreEqual(f.Grad[i], grad[i], 1e-5 * scale, $"{name}: float d loss / d prediction[{i}]");
    }

    [TestMethod]
    public void Every_label_ignored_gives_zero_gradient()
    {
        var f = LossFixture.Load("causal_basic");
        var (model, x, loss) = f.Build(DataType.Float);
        RequireRules(model, x, loss);
        LossFixture.AddGradientOutput(model, x, loss);
        var labels = Enumerable.Repeat(-100L, (int)f.Labels.ElementCount).ToArray();
        var grad = OrtHarness.Run(OnnxModelIO.ToBytes(model),
            new Dictionary<string, Tensor> { ["prediction"] = f.Prediction, ["labels"] = Tensor.FromArray(labels, f.Labels.Dims.ToArray()) },
            ["prediction_grad"])["prediction_grad"];
        Assert.IsTrue(grad.ToArray<float>().All(v => v == 0), "no label, no gradient (and no NaN)");
    }

    /// <summary>Skips the test while the loss block has ops without a gradient rule, naming them.</summary>
    private static void RequireRules(Model model, Value x, Value loss)
    {
        var missing = ReverseMode.NodesWithoutRule(model.Graph, loss, [x]);
        if (missing.Count > 0)
            Assert.Inconclusive("Gradient rules still missing for: " + string.Join(", ", missing.Select(n => n.OpType).Distinct().Order()));
    }
}

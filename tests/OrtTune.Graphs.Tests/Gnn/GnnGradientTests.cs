using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Tests.Gnn;

/// <summary>
/// The whole training graph of each convolution (message passing, normalisation, attention, loss) differentiated by
/// ReverseMode, against central finite differences of its eval graph in ONNX Runtime.
/// </summary>
[TestClass]
public sealed class GnnGradientTests
{
    [TestMethod]
    [DataRow(GnnConv.Gcn)]
    [DataRow(GnnConv.Sage)]
    [DataRow(GnnConv.Gat)]
    public void Two_layer_network_gradients_match_finite_differences(GnnConv conv)
    {
        const int n = 5, f = 4, classes = 3;
        long[] source = [0, 1, 1, 2, 2, 3, 3, 0, 1, 4];
        long[] target = [1, 0, 2, 1, 3, 2, 0, 3, 4, 1];
        var spec = new GnnGraphSpec { Nodes = n, Classes = classes, Features = f, Edges = source.Length, Conv = conv, Hidden = 8, Seed = 9 };
        var dir = TestPaths.TempDirectory("gnn-grad");
        var forward = GnnModels.Backprop(spec, 2, inference: false);
        var manifest = GnnArtifacts.Write(forward, GnnModels.Backprop(spec, 2, inference: true), dir, new GnnTrainingOptions());

        var random = new Random(4);
        var inputs = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.Features] = Tensor.FromArray(Enumerable.Range(0, n * f).Select(_ => (float)random.NextDouble()).ToArray(), n, f),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(source, source.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(target, target.Length),
            [GnnTensorNames.Labels] = Tensor.FromArray(new long[] { 0, 2, -100, 1, 2 }, n),
        };
        foreach (var p in manifest.Trainable) inputs[p.Name] = forward.Graph.FindInitializer(p.Name)!.Initializer!;
        var analytic = OrtHarness.Run(Path.Combine(dir, manifest.Files.Training), inputs);

        const float eps = 1e-3f;
        float Loss(Dictionary<string, Tensor> feeds) => OrtHarness.Run(Path.Combine(dir, manifest.Files.Eval), feeds, ["loss"])["loss"].ToArray<float>()[0];
        foreach (var p in manifest.Trainable)
        {
            var grad = analytic[manifest.Gradients[p.Name]].ToArray<float>();
            var value = inputs[p.Name].ToArray<float>();
            // A few entries per parameter keep the test quick; each gets a central difference.
            foreach (int i in new[] { 0, value.Length / 2, value.Length - 1 })
            {
                float[] Shift(float d) { var v = (float[])value.Clone(); v[i] += d; return v; }
                var plus = new Dictionary<string, Tensor>(inputs) { [p.Name] = Tensor.FromArray(Shift(eps), [.. p.Shape]) };
                var minus = new Dictionary<string, Tensor>(inputs) { [p.Name] = Tensor.FromArray(Shift(-eps), [.. p.Shape]) };
                double numeric = (Loss(plus) - Loss(minus)) / (2 * eps);
                Assert.AreEqual(numeric, grad[i], 2e-3 + 2e-2 * Math.Abs(numeric), $"{conv}: d loss / d {p.Name}[{i}]");
            }
        }
    }
}

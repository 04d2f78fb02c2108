using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Gnn.GnnReference;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Tests.Gnn;

[TestClass]
public sealed class TopToInputModelsTests
{
    [TestMethod]
    public void Layer_convolves_the_normalised_state_below_beside_the_normalised_state_above()
    {
        const int n = 4, f = 3, classes = 2, hidden = 4, all = n + classes;
        // Real edges plus training node 0 ↔ class node 4 (class 0) and node 3 ↔ class node 5 (class 1).
        long[] source = [0, 1, 1, 2, 2, 3, 0, 3, 4, 5], target = [1, 0, 2, 1, 3, 2, 4, 5, 0, 3];
        var spec = new GnnGraphSpec { Nodes = n, Classes = classes, Features = f, Edges = source.Length, Hidden = hidden, Seed = 4 };
        var model = TopToInputModels.Layer(spec, 0, aboveWidth: classes, inference: false);
        var x = new float[] { 1, 0, 2, 0, 1, 1, 3, 1, 0, 0, 0, 1 };
        // The top layer's "state above": one-hot for training nodes 0, 3 and the class nodes, uniform for nodes 1, 2.
        var labels = new float[] { 1, 0, .5f, .5f, .5f, .5f, 0, 1, 1, 0, 0, 1 };
        var inputs = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.Features] = Tensor.FromArray(x, n, f),
            [GnnTensorNames.TopDown] = Tensor.FromArray(labels, all, classes),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(source, source.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(target, target.Length),
        };
        var logits = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs)[GnnTensorNames.Logits].ToArray<float>();

        float[] P(string name) => model.Graph.FindInitializer(name)!.Initializer!.ToArray<float>();
        var below = L2NormalizeRows(Matrix([.. x, .. P(GnnModels.ClassFeatures)], all, f));
        var above = L2NormalizeRows(Matrix(labels, all, classes));
        var joined = new double[all, f + classes];
        for (int v = 0; v < all; v++)
        {
            for (int k = 0; k < f; k++) joined[v, k] = below[v, k];
            for (int k = 0; k < classes; k++) joined[v, f + k] = above[v, k];
        }
        var h = Relu(Gcn(Adjacency(all, source, target), joined, Matrix(P("layer0.weight"), f + classes, hidden), P("layer0.bias")));
        Assert.HasCount(n * classes, logits);
        for (int v = 0; v < n; v++)
            for (int c = 0; c < classes; c++)
            {
                double expected = Enumerable.Range(0, hidden).Sum(k => h[v, k] * h[n + c, k]);
                Assert.AreEqual(expected, logits[v * classes + c], 1e-4, $"logit [{v}, {c}]");
            }
    }

    [TestMethod]
    public void Sparse_first_layer_input_matches_dense()
    {
        const int n = 4, f = 3, classes = 2, hidden = 4, all = n + classes;
        long[] source = [0, 1, 1, 2, 2, 3], target = [1, 0, 2, 1, 3, 2];
        var x = new float[] { 1, 0, 2, 0, 1, 1, 3, 1, 0, 0, 0, 1 };
        var above = Enumerable.Range(0, all * hidden).Select(i => (float)Math.Cos(i)).ToArray();
        var dense = new GnnGraphSpec { Nodes = n, Classes = classes, Features = f, Edges = source.Length, Hidden = hidden, Seed = 4, Conv = GnnConv.Sage };
        var nonZeros = Enumerable.Range(0, x.Length).Where(i => x[i] != 0).ToArray();
        var common = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.TopDown] = Tensor.FromArray(above, all, hidden),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(source, source.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(target, target.Length),
        };
        var denseLogits = OrtHarness.Run(OnnxModelIO.ToBytes(TopToInputModels.Layer(dense, 0, hidden, false)),
            new Dictionary<string, Tensor>(common) { [GnnTensorNames.Features] = Tensor.FromArray(x, n, f) })[GnnTensorNames.Logits].ToArray<float>();
        var sparseLogits = OrtHarness.Run(OnnxModelIO.ToBytes(TopToInputModels.Layer(dense with { FeatureNonZeros = nonZeros.Length }, 0, hidden, false)),
            new Dictionary<string, Tensor>(common)
            {
                [GnnTensorNames.FeatureRow] = Tensor.FromArray(nonZeros.Select(i => (long)(i / f)).ToArray(), nonZeros.Length),
                [GnnTensorNames.FeatureColumn] = Tensor.FromArray(nonZeros.Select(i => (long)(i % f)).ToArray(), nonZeros.Length),
                [GnnTensorNames.FeatureValue] = Tensor.FromArray(nonZeros.Select(i => x[i]).ToArray(), nonZeros.Length),
            })[GnnTensorNames.Logits].ToArray<float>();
        for (int i = 0; i < denseLogits.Length; i++) Assert.AreEqual(denseLogits[i], sparseLogits[i], 1e-5, $"logit {i}");
    }
}

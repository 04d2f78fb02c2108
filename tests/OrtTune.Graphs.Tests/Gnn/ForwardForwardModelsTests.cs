using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Gnn.GnnReference;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Tests.Gnn;

[TestClass]
public sealed class ForwardForwardModelsTests
{
    [TestMethod]
    public void Virtual_node_layer_scores_goodness_of_positive_then_negative_graphs()
    {
        const int n = 4, f = 3, classes = 2, hidden = 4;
        long[] realSource = [0, 1, 1, 2, 2, 3], realTarget = [1, 0, 2, 1, 3, 2];
        // Training nodes 0 (class 0) and 3 (class 1); the negative graph links each to the other class node (4 = class 0, 5 = class 1).
        long[] posSource = [.. realSource, 0, 3, 4, 5], posTarget = [.. realTarget, 4, 5, 0, 3];
        long[] negSource = [.. realSource, 0, 3, 5, 4], negTarget = [.. realTarget, 5, 4, 0, 3];
        var spec = new GnnGraphSpec { Nodes = n, Classes = classes, Features = f, Edges = posSource.Length, Hidden = hidden, Seed = 4 };
        var model = ForwardForwardModels.VirtualNodesLayer(spec, 0, negatives: 1, trainNodes: 2, inference: false);
        var x = new float[] { 1, 0, 2, 0, 1, 1, 3, 1, 0, 0, 0, 1 };
        var inputs = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.Features] = Tensor.FromArray(x, n, f),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(posSource, posSource.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(posTarget, posTarget.Length),
            [GnnTensorNames.Negative(GnnTensorNames.EdgeSource, 0)] = Tensor.FromArray(negSource, negSource.Length),
            [GnnTensorNames.Negative(GnnTensorNames.EdgeTarget, 0)] = Tensor.FromArray(negTarget, negTarget.Length),
            [GnnTensorNames.TrainNodes] = Tensor.FromArray(new long[] { 0, 3 }, 2),
        };
        var logits = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs)[GnnTensorNames.Logits].ToArray<float>();

        float[] P(string name) => model.Graph.FindInitializer(name)!.Initializer!.ToArray<float>();
        var xa = L2NormalizeRows(Matrix([.. x, .. P(GnnModels.ClassFeatures)], n + classes, f));
        double[] Goodness(long[] s, long[] t)
        {
            var h = Relu(Gcn(Adjacency(n + classes, s, t), xa, Matrix(P("layer0.weight"), f, hidden), P("layer0.bias")));
            return new[] { 0, 3 }.Select(v => Enumerable.Range(0, hidden).Sum(k => h[v, k] * h[v, k]) - ForwardForwardModels.Theta).ToArray();
        }
        double[] expected = [.. Goodness(posSource, posTarget), .. Goodness(negSource, negTarget)];
        Assert.HasCount(expected.Length, logits);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], logits[i], 1e-4, $"goodness logit {i}");
        Assert.AreNotEqual(expected[0], expected[2], 1e-6, "the negative graph's class edges change the goodness");
    }
}

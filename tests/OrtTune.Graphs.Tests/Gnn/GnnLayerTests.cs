using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Gnn.GnnReference;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Tests.Gnn;

/// <summary>The edge-list ONNX layers against dense-matrix formulas on a small graph, run in ONNX Runtime.</summary>
[TestClass]
public sealed class GnnLayerTests
{
    private const int N = 5, F = 6;
    // An undirected 5-node graph (a 4-cycle plus a pendant node), both directions listed.
    private static readonly long[] Source = [0, 1, 1, 2, 2, 3, 3, 0, 1, 4];
    private static readonly long[] Target = [1, 0, 2, 1, 3, 2, 0, 3, 4, 1];

    private static float[] Features()
    {
        var random = new Random(7);
        // Mostly non-negative with zeros, like bag-of-words features.
        return Enumerable.Range(0, N * F).Select(i => i % 3 == 0 ? 0f : (float)random.NextDouble()).ToArray();
    }

    private static float[] Param(Model model, string name) => model.Graph.FindInitializer(name)!.Initializer!.ToArray<float>();

    private static Dictionary<string, Tensor> Run(Model model, Dictionary<string, Tensor> inputs) =>
        OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);

    private static Dictionary<string, Tensor> GraphInputs(float[] x, long rows, long[] source, long[] target) => new()
    {
        [GnnTensorNames.Features] = Tensor.FromArray(x, rows, x.Length / rows),
        [GnnTensorNames.EdgeSource] = Tensor.FromArray(source, source.Length),
        [GnnTensorNames.EdgeTarget] = Tensor.FromArray(target, target.Length),
    };

    private static void AssertClose(double[,] expected, float[] actual, double tolerance = 1e-4)
    {
        int cols = expected.GetLength(1);
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.AreEqual(expected[i / cols, i % cols], actual[i], tolerance, $"element ({i / cols}, {i % cols})");
    }

    [TestMethod]
    [DataRow(GnnConv.Gcn)]
    [DataRow(GnnConv.Sage)]
    [DataRow(GnnConv.Gat)]
    public void One_layer_network_matches_the_dense_formula(GnnConv conv)
    {
        const int classes = 4;
        var spec = new GnnGraphSpec { Nodes = N, Classes = classes, Features = F, Edges = Source.Length, Conv = conv, Seed = 3 };
        var model = GnnModels.Backprop(spec, 1, inference: false);
        var x = Features();
        var logits = Run(model, GraphInputs(x, N, Source, Target))[GnnTensorNames.Logits].ToArray<float>();

        var a = Adjacency(N, Source, Target);
        var xm = Matrix(x, N, F);
        var expected = conv switch
        {
            GnnConv.Gcn => Gcn(a, xm, Matrix(Param(model, "layer0.weight"), F, classes), Param(model, "layer0.bias")),
            GnnConv.Sage => Sage(a, xm, Matrix(Param(model, "layer0.lin_l.weight"), F, classes), Param(model, "layer0.lin_l.bias"),
                Matrix(Param(model, "layer0.lin_r.weight"), F, classes)),
            // The classifier layer averages its 4 heads (PyG's GAT model, concat=False on the output layer).
            _ => Gat(a, xm, Matrix(Param(model, "layer0.weight"), F, 4 * classes), Param(model, "layer0.att_src"), Param(model, "layer0.att_dst"),
                Param(model, "layer0.bias"), 4, concat: false),
        };
        AssertClose(expected, logits);
    }

    [TestMethod]
    [DataRow(GnnConv.Gcn)]
    [DataRow(GnnConv.Gat)]
    public void Single_forward_layer_scores_real_nodes_against_virtual_class_nodes(GnnConv conv)
    {
        const int classes = 2, hidden = 8;
        // Training nodes 0 (class 0) and 2 (class 1) linked both ways to class nodes 5 and 6.
        long[] source = [.. Source, 0, 2, 5, 6];
        long[] target = [.. Target, 5, 6, 0, 2];
        var spec = new GnnGraphSpec { Nodes = N, Classes = classes, Features = F, Edges = source.Length, Conv = conv, Hidden = hidden, Seed = 5 };
        var training = GnnModels.SingleForwardLayer(spec, 0, inference: false);
        var inference = GnnModels.SingleForwardLayer(spec, 0, inference: true);
        var x = Features();
        var inputs = GraphInputs(x, N, source, target);
        foreach (var p in inference.Graph.Inputs.Where(i => i.Name.StartsWith("layer0.", StringComparison.Ordinal)))
            inputs[p.Name] = training.Graph.FindInitializer(p.Name)!.Initializer!;
        var outputs = Run(inference, inputs);

        // Augmented features: the real rows, then the frozen class-node rows; L2-normalised, conv, ReLU.
        var classFeatures = Param(training, GnnModels.ClassFeatures);
        var xa = Matrix([.. x, .. classFeatures], N + classes, F);
        var a = Adjacency(N + classes, source, target);
        var xn = L2NormalizeRows(xa);
        var h = Relu(conv == GnnConv.Gcn
            ? Gcn(a, xn, Matrix(Param(training, "layer0.weight"), F, hidden), Param(training, "layer0.bias"))
            : Gat(a, xn, Matrix(Param(training, "layer0.weight"), F, hidden), Param(training, "layer0.att_src"), Param(training, "layer0.att_dst"),
                Param(training, "layer0.bias"), 4, concat: true));
        AssertClose(h, outputs[GnnTensorNames.Hidden].ToArray<float>());

        var probabilities = new double[N, classes];
        for (int i = 0; i < N; i++)
        {
            var logits = Enumerable.Range(0, classes).Select(c => Enumerable.Range(0, hidden).Sum(k => h[i, k] * h[N + c, k])).ToArray();
            double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
            for (int c = 0; c < classes; c++) probabilities[i, c] = Math.Exp(logits[c] - max) / z;
        }
        AssertClose(probabilities, outputs[GnnTensorNames.Probabilities].ToArray<float>());
    }

    [TestMethod]
    public void Sparse_feature_input_gives_the_dense_result()
    {
        var x = Features();
        var nz = Enumerable.Range(0, x.Length).Where(i => x[i] != 0).ToArray();
        var spec = new GnnGraphSpec { Nodes = N, Classes = 3, Features = F, Edges = Source.Length, Conv = GnnConv.Sage, Seed = 11 };
        var dense = Run(GnnModels.Backprop(spec, 2, inference: false), GraphInputs(x, N, Source, Target))[GnnTensorNames.Logits].ToArray<float>();

        var sparseInputs = GraphInputs(x, N, Source, Target);
        sparseInputs.Remove(GnnTensorNames.Features);
        sparseInputs[GnnTensorNames.FeatureRow] = Tensor.FromArray(nz.Select(i => (long)(i / F)).ToArray(), nz.Length);
        sparseInputs[GnnTensorNames.FeatureColumn] = Tensor.FromArray(nz.Select(i => (long)(i % F)).ToArray(), nz.Length);
        sparseInputs[GnnTensorNames.FeatureValue] = Tensor.FromArray(nz.Select(i => x[i]).ToArray(), nz.Length);
        var sparse = Run(GnnModels.Backprop(spec with { FeatureNonZeros = nz.Length }, 2, inference: false), sparseInputs)[GnnTensorNames.Logits].ToArray<float>();

        Assert.AreEqual(dense.Length, sparse.Length);
        for (int i = 0; i < dense.Length; i++) Assert.AreEqual(dense[i], sparse[i], 1e-5, $"logit {i}");
    }

    [TestMethod]
    public void Single_forward_loss_is_the_cross_entropy_of_the_training_nodes_only()
    {
        const int classes = 2;
        long[] source = [.. Source, 0, 2, 5, 6];
        long[] target = [.. Target, 5, 6, 0, 2];
        var spec = new GnnGraphSpec { Nodes = N, Classes = classes, Features = F, Edges = source.Length, Hidden = 8, Seed = 2 };
        var dir = TestPaths.TempDirectory("gnn-sf-loss");
        var forward = GnnModels.SingleForwardLayer(spec, 0, inference: false);
        GnnArtifacts.Write(forward, GnnModels.SingleForwardLayer(spec, 0, inference: true), dir, new GnnTrainingOptions());

        var inputs = GraphInputs(Features(), N, source, target);
        var logits = OrtHarness.Run(OnnxModelIO.ToBytes(forward), inputs)[GnnTensorNames.Logits].ToArray<float>();
        // The eval graph takes the trainable parameters as inputs; the class-node features stay a constant.
        foreach (var name in new[] { "layer0.weight", "layer0.bias" }) inputs[name] = forward.Graph.FindInitializer(name)!.Initializer!;
        // Nodes 0 and 2 train (classes 0 and 1); the rest carry the ignore label.
        inputs[GnnTensorNames.Labels] = Tensor.FromArray(new long[] { 0, -100, 1, -100, -100 }, N);
        var loss = OrtHarness.Run(Path.Combine(dir, "eval_model.onnx"), inputs)["loss"].ToArray<float>()[0];

        double Nll(int node, int label)
        {
            var row = logits.Skip(node * classes).Take(classes).Select(v => (double)v).ToArray();
            double max = row.Max();
            return -(row[label] - max - Math.Log(row.Sum(v => Math.Exp(v - max))));
        }
        Assert.AreEqual((Nll(0, 0) + Nll(2, 1)) / 2, loss, 1e-5);
        Assert.IsTrue(File.Exists(Path.Combine(dir, GnnTensorNames.InferenceFile)));
    }
}

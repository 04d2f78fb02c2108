using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Gnn.GnnReference;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Tests.Gnn;

[TestClass]
public sealed class LabelAppendingModelsTests
{
    private const int N = 4, F = 3, Classes = 2, Hidden = 4;
    private static readonly long[] Source = [0, 1, 1, 2, 2, 3], Target = [1, 0, 2, 1, 3, 2];
    private static readonly float[] X = [1, 0, 2, 0, 1, 1, 3, 1, 0, 0, 0, 1];
    private static GnnGraphSpec Spec => new() { Nodes = N, Classes = Classes, Features = F, Edges = Source.Length, Hidden = Hidden, Seed = 4 };

    [TestMethod]
    public void First_layer_scores_goodness_of_features_with_appended_true_then_wrong_labels()
    {
        // Training nodes 0 (class 0) and 3 (class 1); nodes 1 and 2 are unlabelled (uniform 1/C).
        float[] positive = [1, 0, .5f, .5f, .5f, .5f, 0, 1], negative = [0, 1, .5f, .5f, .5f, .5f, 1, 0];
        var model = LabelAppendingModels.Layer(Spec, 0, trainNodes: 2, inference: false);
        var inputs = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.Features] = Tensor.FromArray(X, N, F),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(Source, Source.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(Target, Target.Length),
            [GnnTensorNames.AppendedLabels] = Tensor.FromArray(positive, N, Classes),
            [GnnTensorNames.Negative(GnnTensorNames.AppendedLabels, 0)] = Tensor.FromArray(negative, N, Classes),
            [GnnTensorNames.TrainNodes] = Tensor.FromArray(new long[] { 0, 3 }, 2),
        };
        var logits = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs)[GnnTensorNames.Logits].ToArray<float>();

        float[] P(string name) => model.Graph.FindInitializer(name)!.Initializer!.ToArray<float>();
        double[] Goodness(float[] labels)
        {
            var appended = Enumerable.Range(0, N).SelectMany(v => X.Skip(v * F).Take(F).Concat(labels.Skip(v * Classes).Take(Classes))).ToArray();
            var x = L2NormalizeRows(Matrix(appended, N, F + Classes));
            var h = Relu(Gcn(Adjacency(N, Source, Target), x, Matrix(P("layer0.weight"), F + Classes, Hidden), P("layer0.bias")));
            return new[] { 0, 3 }.Select(v => Enumerable.Range(0, Hidden).Sum(k => h[v, k] * h[v, k]) - ForwardForwardModels.Theta).ToArray();
        }
        double[] expected = [.. Goodness(positive), .. Goodness(negative)];
        Assert.HasCount(expected.Length, logits);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], logits[i], 1e-4, $"goodness logit {i}");
        Assert.AreNotEqual(expected[0], expected[2], 1e-6, "the appended wrong label changes the goodness");
    }

    [TestMethod]
    public void Inference_form_gives_every_node_its_goodness_and_hidden_state()
    {
        var model = LabelAppendingModels.Layer(Spec, 1, trainNodes: 2, inference: true);
        var hiddenIn = Enumerable.Range(0, N * Hidden).Select(i => (float)Math.Sin(i)).ToArray();
        var inputs = new Dictionary<string, Tensor>
        {
            [GnnTensorNames.Features] = Tensor.FromArray(hiddenIn, N, Hidden),
            [GnnTensorNames.EdgeSource] = Tensor.FromArray(Source, Source.Length),
            [GnnTensorNames.EdgeTarget] = Tensor.FromArray(Target, Target.Length),
        };
        var training = LabelAppendingModels.Layer(Spec, 1, trainNodes: 2, inference: false);
        // The inference form takes the parameters as inputs: feed the training form's initial values.
        foreach (var input in model.Graph.Inputs.Where(i => !inputs.ContainsKey(i.Name))) inputs[input.Name] = training.Graph.FindInitializer(input.Name)!.Initializer!;
        var outputs = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        var h = outputs[GnnTensorNames.Hidden].ToArray<float>();
        var goodness = outputs[GnnTensorNames.Goodness].ToArray<float>();
        float[] P(string name) => training.Graph.FindInitializer(name)!.Initializer!.ToArray<float>();
        var expected = Relu(Gcn(Adjacency(N, Source, Target), L2NormalizeRows(Matrix(hiddenIn, N, Hidden)), Matrix(P("layer1.weight"), Hidden, Hidden), P("layer1.bias")));
        Assert.HasCount(N, goodness);
        for (int v = 0; v < N; v++)
        {
            for (int k = 0; k < Hidden; k++) Assert.AreEqual(expected[v, k], h[v * Hidden + k], 1e-4, $"hidden [{v}, {k}]");
            Assert.AreEqual(Enumerable.Range(0, Hidden).Sum(k => expected[v, k] * expected[v, k]) - ForwardForwardModels.Theta, goodness[v], 1e-4, $"goodness {v}");
        }
    }

    [TestMethod]
    public void Sparse_feature_input_is_refused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => LabelAppendingModels.Layer(Spec with { FeatureNonZeros = 5 }, 0, 2, false));
        StringAssert.Contains(e.Message, "dense");
    }
}

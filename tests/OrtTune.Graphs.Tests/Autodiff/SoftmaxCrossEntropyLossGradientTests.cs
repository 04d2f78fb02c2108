using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class SoftmaxCrossEntropyLossGradientTests
{
    private static Tensor Labels(params long[] values) => Tensor.Vector(values);

    [TestMethod]
    [DataRow("mean")]
    [DataRow("sum")]
    [DataRow("none")]
    public void Reductions(string reduction) => new GradientCheck
    {
        OpType = "SoftmaxCrossEntropyLoss",
        Inputs = [Random(DataType.Double, [4, 5], 1), Labels(0, 3, 4, 1)],
        Attributes = [Attribute.Of("reduction", reduction)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow("mean")]
    [DataRow("sum")]
    public void Class_weights_and_ignore_index(string reduction) => new GradientCheck
    {
        OpType = "SoftmaxCrossEntropyLoss",
        Inputs = [Random(DataType.Double, [5, 4], 2), Labels(2, -100, 0, 3, 2), Random(DataType.Double, [4], 3, lo: 0.2, hi: 2)],
        Attributes = [Attribute.Of("reduction", reduction), Attribute.Of("ignore_index", -100L)],
        Wrt = [0],
    }.Run();

    /// <summary>Scores [N, C, d] with labels [N, d], int32 labels, and a loss that also reads log_prob.</summary>
    [TestMethod]
    public void Spatial_scores_int32_labels_and_log_prob() => new GradientCheck
    {
        OpType = "SoftmaxCrossEntropyLoss",
        Inputs = [Random(DataType.Double, [2, 3, 4], 4), Tensor.FromArray(new[] { 0, 2, 1, 1, 2, 0, 0, 1 }, 2, 4)],
        Outputs = 2,
        LossOutputs = [0, 1],
        Wrt = [0],
    }.Run();

    /// <summary>The ORT artifacts' case: float logits, int64 labels, mean, as onnxblock's CrossEntropyLoss emits it.</summary>
    [TestMethod]
    public void Float_mean_as_in_ort_artifacts() => new GradientCheck
    {
        OpType = "SoftmaxCrossEntropyLoss",
        Inputs = [Random(DataType.Float, [8, 10], 5), Labels(0, 1, 2, 3, 4, 5, 6, 9)],
        Attributes = [Attribute.Of("reduction", "mean")],
        Wrt = [0],
    }.Run();
}

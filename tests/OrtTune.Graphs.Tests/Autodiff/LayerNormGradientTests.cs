using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class LayerNormGradientTests
{
    [TestMethod]
    [DataRow(DataType.Float, 17L)]
    [DataRow(DataType.Double, 17L)]
    [DataRow(DataType.Float, 21L)] // ReduceMean takes its axes as an input from opset 18
    public void Last_axis_with_bias(DataType type, long opset) => new GradientCheck
    {
        OpType = "LayerNormalization",
        Opset = opset,
        Inputs = [Random(type, [2, 3, 5], 1, -2, 2), Random(type, [5], 2, 0.5, 1.5), Random(type, [5], 3)],
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    public void Earlier_axis_without_bias_and_epsilon() => new GradientCheck
    {
        OpType = "LayerNormalization",
        Inputs = [Random(DataType.Double, [2, 3, 4], 4, -2, 2), Random(DataType.Double, [3, 4], 5, 0.5, 1.5)],
        Attributes = [Attribute.Of("axis", 1L), Attribute.Of("epsilon", 0.1f)],
        Wrt = [0, 1],
    }.Run();

    /// <summary>Gradients flowing into the optional Mean and InvStdDev outputs reach X too.</summary>
    [TestMethod]
    public void Statistics_outputs() => new GradientCheck
    {
        OpType = "LayerNormalization",
        Inputs = [Random(DataType.Float, [3, 6], 6, -2, 2), Random(DataType.Float, [6], 7, 0.5, 1.5), Random(DataType.Float, [6], 8)],
        Outputs = 3,
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    public void Statistics_outputs_only() => new GradientCheck
    {
        OpType = "LayerNormalization",
        Inputs = [Random(DataType.Float, [3, 6], 9, -2, 2), Random(DataType.Float, [6], 10, 0.5, 1.5)],
        Attributes = [Attribute.Of("axis", 0L)],
        Outputs = 3,
        LossOutputs = [1, 2],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Rms_norm() => new GradientCheck
    {
        OpType = "SimplifiedLayerNormalization",
        Inputs = [Random(DataType.Float, [2, 3, 5], 11, -2, 2), Random(DataType.Float, [5], 12, 0.5, 1.5)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    public void Rms_norm_earlier_axis_and_epsilon() => new GradientCheck
    {
        OpType = "SimplifiedLayerNormalization",
        Inputs = [Random(DataType.Float, [2, 3, 4], 13, -2, 2), Random(DataType.Float, [3, 4], 14, 0.5, 1.5)],
        Attributes = [Attribute.Of("axis", 1L), Attribute.Of("epsilon", 0.01f)],
        Wrt = [0, 1],
    }.Run();

    /// <summary>Last axis only: for an earlier axis ORT's schema infers a wrong InvStdVar shape (its kernel is right) and warns.</summary>
    [TestMethod]
    public void Rms_norm_inverse_std_output() => new GradientCheck
    {
        OpType = "SimplifiedLayerNormalization",
        Inputs = [Random(DataType.Float, [2, 3, 4], 15, -2, 2), Random(DataType.Float, [4], 16, 0.5, 1.5)],
        Outputs = 2,
        Wrt = [0, 1],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

/// <summary>ONNX Gelu-20 and ORT's GELU family; their CPU kernels are float only.</summary>
[TestClass]
public sealed class GeluGradientTests
{
    private const string Ms = "com.microsoft";

    [TestMethod]
    [DataRow(null)]
    [DataRow("none")]
    [DataRow("tanh")]
    public void Gelu(string? approximate) => new GradientCheck
    {
        OpType = "Gelu",
        Opset = 20,
        Inputs = [Random(DataType.Float, [3, 5], 1, -3, 3)],
        Attributes = approximate is null ? [] : [Attribute.Of("approximate", approximate)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Contrib_gelu() => new GradientCheck
    {
        OpType = "Gelu",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [3, 5], 2, -3, 3)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void BiasGelu() => new GradientCheck
    {
        OpType = "BiasGelu",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 4], 3, -2, 2), Random(DataType.Float, [4], 4)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void FastGelu(bool bias) => new GradientCheck
    {
        OpType = "FastGelu",
        Domain = Ms,
        Inputs = bias ? [Random(DataType.Float, [2, 3, 4], 5, -2, 2), Random(DataType.Float, [4], 6)] : [Random(DataType.Float, [2, 3, 4], 5, -2, 2)],
        Wrt = bias ? [0, 1] : [0],
    }.Run();

    [TestMethod]
    [DataRow(null)]
    [DataRow(1.0f)]
    public void QuickGelu(float? alpha) => new GradientCheck
    {
        OpType = "QuickGelu",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [3, 5], 7, -3, 3)],
        Attributes = alpha is { } a ? [Attribute.Of("alpha", a)] : [],
        Wrt = [0],
    }.Run();
}

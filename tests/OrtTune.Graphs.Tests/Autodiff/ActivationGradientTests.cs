using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ActivationGradientTests
{
    [TestMethod]
    [DataRow("Tanh")]
    [DataRow("Sigmoid")]
    [DataRow("Relu")]
    public void Double_kernels(string op) =>
        new GradientCheck { OpType = op, Inputs = [Signed(DataType.Double, [2, 3, 4], 1, 0.05, 3)], Wrt = [0] }.Run();

    [TestMethod]
    public void Softplus() =>
        new GradientCheck { OpType = "Softplus", Inputs = [Random(DataType.Float, [3, 5], 2, -3, 3)], Wrt = [0] }.Run();

    [TestMethod]
    [DataRow(null)]
    [DataRow(0.2f)]
    [DataRow(-0.5f)]
    public void LeakyRelu(float? alpha) => new GradientCheck
    {
        OpType = "LeakyRelu",
        Inputs = [Signed(DataType.Float, [3, 5], 3, 0.05, 2)],
        Attributes = alpha is { } a ? [Attribute.Of("alpha", a)] : [],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow(null)]
    [DataRow(0.5f)]
    [DataRow(-0.7f)]
    public void Elu(float? alpha) => new GradientCheck
    {
        OpType = "Elu",
        Inputs = [Signed(DataType.Float, [3, 5], 4, 0.05, 2)],
        Attributes = alpha is { } a ? [Attribute.Of("alpha", a)] : [],
        Wrt = [0],
    }.Run();
}

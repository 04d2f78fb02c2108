using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class SoftmaxGradientTests
{
    [TestMethod]
    [DataRow("Softmax", null)]
    [DataRow("Softmax", -1L)]
    [DataRow("Softmax", 0L)]
    [DataRow("Softmax", 1L)]
    [DataRow("LogSoftmax", null)]
    [DataRow("LogSoftmax", 0L)]
    [DataRow("LogSoftmax", 1L)]
    public void Single_axis(string op, long? axis) => new GradientCheck
    {
        OpType = op,
        Inputs = [Random(DataType.Double, [2, 3, 4], 1, -2, 2)],
        Attributes = axis is { } a ? [Attribute.Of("axis", a)] : [],
        Wrt = [0],
    }.Run();

    /// <summary>Before opset 13 the axes from 'axis' (default 1) on are flattened into one.</summary>
    [TestMethod]
    [DataRow("Softmax", null)]
    [DataRow("LogSoftmax", null)]
    [DataRow("Softmax", 2L)]
    public void Coerced_axes_before_opset_13(string op, long? axis) => new GradientCheck
    {
        OpType = op,
        Opset = 11,
        Inputs = [Random(DataType.Double, [2, 3, 4], 2, -2, 2)],
        Attributes = axis is { } a ? [Attribute.Of("axis", a)] : [],
        Wrt = [0],
    }.Run();
}

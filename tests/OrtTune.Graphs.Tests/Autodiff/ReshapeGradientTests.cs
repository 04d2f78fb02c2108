using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ReshapeGradientTests
{
    [TestMethod]
    public void Reshape_with_inferred_and_copied_dims() => new GradientCheck
    {
        OpType = "Reshape",
        Inputs = [Random(DataType.Double, [2, 3, 4], 1), Tensor.Vector(0L, -1L, 2L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow(0L)]
    [DataRow(2L)]
    [DataRow(-1L)]
    public void Flatten(long axis) => new GradientCheck
    {
        OpType = "Flatten",
        Inputs = [Random(DataType.Double, [2, 3, 4], 2)],
        Attributes = [Attribute.Of("axis", axis)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Squeeze_axes_input() => new GradientCheck
    {
        OpType = "Squeeze",
        Inputs = [Random(DataType.Double, [2, 1, 3, 1], 3), Tensor.Vector(-1L, 1L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Squeeze_axes_attribute_before_opset_13() => new GradientCheck
    {
        OpType = "Squeeze",
        Opset = 11,
        Inputs = [Random(DataType.Double, [2, 1, 3, 1], 4)],
        Attributes = [Attribute.Of("axes", new long[] { 1, -1 })],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Squeeze_without_axes() => new GradientCheck
    {
        OpType = "Squeeze",
        Inputs = [Random(DataType.Double, [1, 3, 1, 2], 5)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Unsqueeze_axes_input() => new GradientCheck
    {
        OpType = "Unsqueeze",
        Inputs = [Random(DataType.Double, [2, 3], 6), Tensor.Vector(0L, -1L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Unsqueeze_axes_attribute_before_opset_13() => new GradientCheck
    {
        OpType = "Unsqueeze",
        Opset = 11,
        Inputs = [Random(DataType.Double, [2, 3], 7)],
        Attributes = [Attribute.Of("axes", new long[] { 1, 3 })],
        Wrt = [0],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class PadGradientTests
{
    [TestMethod]
    public void Constant_pads() => new GradientCheck
    {
        OpType = "Pad",
        Inputs = [Random(DataType.Double, [2, 3], 1), Tensor.Vector(1L, 0L, 2L, 3L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Negative_pads_crop() => new GradientCheck
    {
        OpType = "Pad",
        Inputs = [Random(DataType.Double, [4, 5], 2), Tensor.Vector(-1L, 2L, 1L, -2L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Pad_value_gets_the_padding_gradient() => new GradientCheck
    {
        OpType = "Pad",
        Inputs = [Random(DataType.Double, [2, 3], 3), Tensor.Vector(0L, 1L, 1L, -1L), Random(DataType.Double, [], 4)],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    public void Axes_input_from_opset_18() => new GradientCheck
    {
        OpType = "Pad",
        Opset = 18,
        Inputs = [Random(DataType.Double, [2, 3, 2], 5), Tensor.Vector(2L, 0L, 1L, 3L), null, Tensor.Vector(-1L, 0L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Pads_attribute_before_opset_11() => new GradientCheck
    {
        OpType = "Pad",
        Opset = 10,
        Inputs = [Random(DataType.Double, [3, 2], 6)],
        Attributes = [Attribute.Of("pads", new long[] { 1, 2, 0, 1 }), Attribute.Of("value", 0.5f)],
        Wrt = [0],
    }.Run();
}

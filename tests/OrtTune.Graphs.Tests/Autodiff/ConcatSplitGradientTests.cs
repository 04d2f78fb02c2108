using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ConcatSplitGradientTests
{
    [TestMethod]
    [DataRow(2L)]
    [DataRow(-1L)]
    public void Concat(long axis) => new GradientCheck
    {
        OpType = "Concat",
        Inputs = [Random(DataType.Double, [2, 3, 2], 1), Random(DataType.Double, [2, 3, 1], 2), Random(DataType.Double, [2, 3, 4], 3)],
        Attributes = [Attribute.Of("axis", axis)],
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    public void Concat_with_a_constant_input() => new GradientCheck
    {
        OpType = "Concat",
        Inputs = [Random(DataType.Double, [1, 3], 4), Random(DataType.Double, [2, 3], 5), Random(DataType.Double, [3, 3], 6)],
        Attributes = [Attribute.Of("axis", 0L)],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    public void Split_sizes_input() => new GradientCheck
    {
        OpType = "Split",
        Inputs = [Random(DataType.Double, [2, 6], 7), Tensor.Vector(1L, 3L, 2L)],
        Attributes = [Attribute.Of("axis", -1L)],
        Outputs = 3,
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Split_sizes_attribute_before_opset_13() => new GradientCheck
    {
        OpType = "Split",
        Opset = 11,
        Inputs = [Random(DataType.Double, [5, 2], 8)],
        Attributes = [Attribute.Of("axis", 0L), Attribute.Of("split", new long[] { 2, 3 })],
        Outputs = 2,
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Split_num_outputs_from_opset_18() => new GradientCheck
    {
        OpType = "Split",
        Opset = 18,
        Inputs = [Random(DataType.Double, [2, 7], 9)],
        Attributes = [Attribute.Of("axis", 1L), Attribute.Of("num_outputs", 3L)],
        Outputs = 3,
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Split_equal_parts() => new GradientCheck
    {
        OpType = "Split",
        Inputs = [Random(DataType.Double, [3, 4], 10)],
        Attributes = [Attribute.Of("axis", 1L)],
        Outputs = 2,
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Split_with_outputs_the_loss_does_not_read() => new GradientCheck
    {
        OpType = "Split",
        Inputs = [Random(DataType.Double, [6, 2], 11), Tensor.Vector(2L, 1L, 3L)],
        Outputs = 3,
        LossOutputs = [1],
        Wrt = [0],
    }.Run();
}

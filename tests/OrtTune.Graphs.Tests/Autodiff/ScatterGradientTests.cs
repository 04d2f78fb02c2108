using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ScatterGradientTests
{
    [TestMethod]
    public void ScatterND_overwrites() => new GradientCheck
    {
        OpType = "ScatterND",
        Inputs = [Random(DataType.Double, [4, 3], 1), Tensor.FromArray(new long[] { 2, 0 }, 2, 1), Random(DataType.Double, [2, 3], 2)],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    public void ScatterND_element_tuples() => new GradientCheck
    {
        OpType = "ScatterND",
        Inputs = [Random(DataType.Double, [3, 4], 3), Tensor.FromArray(new long[] { 0, 1, 2, 3, 1, 0 }, 3, 2), Random(DataType.Double, [3], 4)],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    public void ScatterND_adds_repeated_positions() => new GradientCheck
    {
        OpType = "ScatterND",
        Inputs = [Random(DataType.Double, [4, 3], 5), Tensor.FromArray(new long[] { 1, 3, 1 }, 3, 1), Random(DataType.Double, [3, 3], 6)],
        Attributes = [Attribute.Of("reduction", "add")],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    [DataRow(0L)]
    [DataRow(-1L)]
    public void ScatterElements_overwrites(long axis) => new GradientCheck
    {
        OpType = "ScatterElements",
        Inputs = [Random(DataType.Double, [3, 3], 7), Tensor.FromArray(new long[] { 1, 0, 2, 2, 1, 0 }, 2, 3), Random(DataType.Double, [2, 3], 8)],
        Attributes = [Attribute.Of("axis", axis)],
        Wrt = [0, 2],
    }.Run();

    [TestMethod]
    public void ScatterElements_adds_repeated_positions() => new GradientCheck
    {
        OpType = "ScatterElements",
        Inputs = [Random(DataType.Double, [2, 4], 9), Tensor.FromArray(new long[] { 3, 3, 0, 1, 1, 1 }, 2, 3), Random(DataType.Double, [2, 3], 10)],
        Attributes = [Attribute.Of("axis", 1L), Attribute.Of("reduction", "add")],
        Wrt = [0, 2],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ExpandTileGradientTests
{
    [TestMethod]
    [DataRow(new long[] { 3, 1 }, new long[] { 2, 3, 4 })]
    [DataRow(new long[] { 1, 4 }, new long[] { 3, 1, 1 })]
    [DataRow(new long[] { 2, 3 }, new long[] { 2, 3 })]
    [DataRow(new long[] { 2, 1, 3 }, new long[] { 1, 4, 1 })]
    public void Expand(long[] input, long[] shape) => new GradientCheck
    {
        OpType = "Expand",
        Inputs = [Random(DataType.Double, input, 1), Tensor.Vector(shape)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow(new long[] { 2, 3 }, new long[] { 2, 3 })]
    [DataRow(new long[] { 2, 3 }, new long[] { 1, 2 })]
    [DataRow(new long[] { 3, 1, 2 }, new long[] { 2, 3, 1 })]
    public void Tile(long[] input, long[] repeats) => new GradientCheck
    {
        OpType = "Tile",
        Inputs = [Random(DataType.Double, input, 2), Tensor.Vector(repeats)],
        Wrt = [0],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class TransposeGradientTests
{
    [TestMethod]
    [DataRow(new long[] { 1, 2, 0 })]
    [DataRow(new long[] { 2, 0, 1 })]
    [DataRow(new long[] { 0, 2, 1 })]
    public void Transpose_with_perm(long[] perm) => new GradientCheck
    {
        OpType = "Transpose",
        Inputs = [Random(DataType.Double, [2, 3, 4], 1)],
        Attributes = [Attribute.Of("perm", perm)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Transpose_default_reverses_the_axes() => new GradientCheck
    {
        OpType = "Transpose",
        Inputs = [Random(DataType.Double, [2, 3, 4], 2)],
        Wrt = [0],
    }.Run();
}

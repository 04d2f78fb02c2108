using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class GemmGradientTests
{
    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Transposes_alpha_beta(bool transA, bool transB) => new GradientCheck
    {
        OpType = "Gemm",
        Inputs = [Random(DataType.Double, transA ? [4, 3] : [3, 4], 1), Random(DataType.Double, transB ? [5, 4] : [4, 5], 2), Random(DataType.Double, [3, 5], 3)],
        Attributes = [Attribute.Of("transA", transA ? 1L : 0L), Attribute.Of("transB", transB ? 1L : 0L), Attribute.Of("alpha", 0.7f), Attribute.Of("beta", -1.3f)],
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    [DataRow(new long[] { 5 })]
    [DataRow(new long[] { 1, 5 })]
    [DataRow(new long[] { 3, 1 })]
    [DataRow(new long[0])]
    public void Broadcast_c(long[] c) => new GradientCheck
    {
        OpType = "Gemm",
        Inputs = [Random(DataType.Double, [3, 4], 4), Random(DataType.Double, [4, 5], 5), Random(DataType.Double, c, 6)],
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    public void Without_c() => new GradientCheck
    {
        OpType = "Gemm",
        Inputs = [Random(DataType.Double, [3, 4], 7), Random(DataType.Double, [5, 4], 8)],
        Attributes = [Attribute.Of("transB", 1L)],
        Wrt = [0, 1],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class FusedMatMulGradientTests
{
    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Transposes_and_alpha(bool transA, bool transB) => new GradientCheck
    {
        OpType = "FusedMatMul",
        Domain = "com.microsoft",
        Inputs = [Random(DataType.Float, transA ? [2, 4, 3] : [2, 3, 4], 1), Random(DataType.Float, transB ? [2, 5, 4] : [2, 4, 5], 2)],
        Attributes = [Attribute.Of("transA", transA ? 1L : 0L), Attribute.Of("transB", transB ? 1L : 0L), Attribute.Of("alpha", 0.6f)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    [DataRow(new long[] { 2, 1, 3, 4 }, new long[] { 5, 4, 2 }, false)]
    [DataRow(new long[] { 3, 4 }, new long[] { 2, 5, 4 }, true)]
    public void Broadcast_batch(long[] a, long[] b, bool transB) => new GradientCheck
    {
        OpType = "FusedMatMul",
        Domain = "com.microsoft",
        Inputs = [Random(DataType.Float, a, 3), Random(DataType.Float, b, 4)],
        Attributes = [Attribute.Of("transB", transB ? 1L : 0L)],
        Wrt = [0, 1],
    }.Run();
}

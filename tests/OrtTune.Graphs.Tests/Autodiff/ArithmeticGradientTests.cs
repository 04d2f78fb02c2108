using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ArithmeticGradientTests
{
    [TestMethod]
    [DataRow("Add")]
    [DataRow("Sub")]
    [DataRow("Mul")]
    [DataRow("Div")]
    public void Binary_op_with_broadcasting(string op) => new GradientCheck
    {
        OpType = op,
        Inputs = [Random(DataType.Double, [2, 3, 4], 1), Random(DataType.Double, [3, 1], 2, 0.5, 1.5)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    public void Neg() => new GradientCheck { OpType = "Neg", Inputs = [Random(DataType.Double, [5], 3)], Wrt = [0] }.Run();

    [TestMethod]
    public void Same_value_on_both_sides_accumulates() => new GradientCheck
    {
        OpType = "Mul",
        Inputs = [Random(DataType.Double, [4], 4), Random(DataType.Double, [4], 5)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow(new long[] { 3, 4 }, new long[] { 4, 5 })]
    [DataRow(new long[] { 2, 3, 4 }, new long[] { 4, 5 })]
    [DataRow(new long[] { 4 }, new long[] { 2, 4, 3 })]
    [DataRow(new long[] { 2, 3, 4 }, new long[] { 4 })]
    [DataRow(new long[] { 2, 1, 3, 4 }, new long[] { 5, 4, 2 })]
    public void MatMul_shapes(long[] a, long[] b) => new GradientCheck
    {
        OpType = "MatMul",
        Inputs = [Random(DataType.Double, a, 6), Random(DataType.Double, b, 7)],
        Wrt = [0, 1],
    }.Run();
}

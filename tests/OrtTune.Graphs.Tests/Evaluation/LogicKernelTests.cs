using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class LogicKernelTests
{
    [TestMethod]
    [DataRow("Equal")]
    [DataRow("Less")]
    [DataRow("Greater")]
    [DataRow("LessOrEqual")]
    [DataRow("GreaterOrEqual")]
    public void Comparisons_broadcast_and_return_bool(string op)
    {
        var a = Tensor.FromArray(new long[] { 1, 5, -3, 2, 0, 9 }, 2, 3);
        var y = Ort(op, 16, [a, Tensor.Vector(2L, 5L, 0L)]);
        Assert.AreEqual(DataType.Bool, y.DataType);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, y.Dims.ToArray());
        Ort(op, 16, [Tensor.Vector(1.5f, float.NaN, -0f), Tensor.Scalar(0f)]);
        Ort(op, 16, [Tensor.Vector(3, 4), Tensor.FromArray(new[] { 3, 5, 4, 4 }, 2, 2)]);
    }

    [TestMethod]
    public void Equal_on_bools_and_strings()
    {
        var y = Ort("Equal", 19, [Tensor.Vector(true, false, true), Tensor.Vector(true, true, false)]);
        CollectionAssert.AreEqual(new byte[] { 1, 0, 0 }, y.ToArray<byte>());
        Ort("Equal", 19, [Tensor.FromStrings([2], ["a", "b"]), Tensor.FromStrings([], ["a"])]);
    }

    [TestMethod]
    public void Logical_ops()
    {
        var a = Tensor.FromArray(new[] { true, false, true, false }, 2, 2);
        var b = Tensor.Vector(true, false);
        foreach (var op in new[] { "And", "Or", "Xor" }) Ort(op, 7, [a, b]);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 0, 1 }, Ort("Not", 1, [a]).ToArray<byte>());
        Fails("And", [Tensor.Vector(1L), Tensor.Vector(true)]);
    }

    [TestMethod]
    public void Where_selects_with_broadcasting()
    {
        // The shape-subgraph pattern: replace -1 entries of a shape by the real dims.
        var shape = Tensor.Vector(2L, -1L, 64L);
        var isMinusOne = Ort("Equal", 13, [shape, Tensor.Scalar(-1L)]);
        var y = Ort("Where", 16, [isMinusOne, Tensor.Vector(1L, 1L, 1L), shape]);
        CollectionAssert.AreEqual(new[] { 2L, 1L, 64L }, y.ToArray<long>());

        var condition = Tensor.FromArray(new[] { true, false, false, true }, 2, 2);
        var z = Ort("Where", 16, [condition, Tensor.Vector(1f, 2f), Tensor.FromArray(new[] { -1f, -2f, -3f, -4f }, 2, 1, 2)]);
        CollectionAssert.AreEqual(new long[] { 2, 2, 2 }, z.Dims.ToArray());
        Ort("Where", 16, [Tensor.Scalar(false), Tensor.FromStrings([2], ["a", "b"]), Tensor.FromStrings([], ["z"])]);
        Fails("Where", [Tensor.Vector(1L), Tensor.Vector(1f), Tensor.Vector(2f)]);
        Fails("Where", [Tensor.Vector(true), Tensor.Vector(1f), Tensor.Vector(2.0)]);
    }
}

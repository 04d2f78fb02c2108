using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

/// <summary>MatMul, Softmax, Trilu, CumSum, NonZero.</summary>
[TestClass]
public sealed class MatrixKernelTests
{
    private static Tensor Seq(int count, params long[] dims) =>
        Tensor.FromArray(Enumerable.Range(0, count).Select(i => (float)Math.Sin(i) * 3).ToArray(), dims);

    [TestMethod]
    public void MatMul_2d_batched_broadcast_and_vectors()
    {
        var y = Ort("MatMul", 13, [Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3), Tensor.FromArray(new[] { 1f, 0f, 0f, 1f, 1f, 1f }, 3, 2)]);
        CollectionAssert.AreEqual(new[] { 4f, 5f, 10f, 11f }, y.ToArray<float>());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4, 5 }, Ort("MatMul", 13, [Seq(72, 2, 1, 4, 9), Seq(135, 3, 9, 5)]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 5 }, Ort("MatMul", 13, [Seq(9, 9), Seq(45, 9, 5)]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 4 }, Ort("MatMul", 13, [Seq(72, 2, 4, 9), Seq(9, 9)]).Dims.ToArray());
        Assert.AreEqual(0, Ort("MatMul", 13, [Seq(9, 9), Seq(9, 9)]).Rank);
        Ort("MatMul", 13, [Tensor.FromArray(new[] { 1, -2, 3, 4 }, 2, 2), Tensor.FromArray(new[] { 5, 6, -7, 8 }, 2, 2)]);
        Ort("MatMul", 13, [Tensor.FromArray(new[] { 1L, 2L }, 1, 2), Tensor.FromArray(new[] { 3L, 4L }, 2, 1)]);
        Ort("MatMul", 13, [Tensor.FromArray(new[] { 0.1, 0.2, 0.3 }, 1, 3), Tensor.FromArray(new[] { 3.0, 4.0, 5.0 }, 3, 1)]);
        Fails("MatMul", [Seq(6, 2, 3), Seq(6, 2, 3)]);
    }

    [TestMethod]
    public void Softmax_over_the_last_axis()
    {
        Ort("Softmax", 13, [Seq(24, 2, 3, 4)], Attribute.Of("axis", -1L));
        Ort("Softmax", 13, [Seq(8, 2, 1, 4)]);
        Ort("Softmax", 11, [Seq(12, 3, 4)]);
        Ort("Softmax", 13, [Seq(6, 2, 3, 1)], Attribute.Of("axis", 1L));
        Ort("Softmax", 13, [Tensor.Vector(1000.0, 1001.0, -5.0)]);
        var y = Eval("Softmax", [Tensor.Vector(0f, 0f)]);
        CollectionAssert.AreEqual(new[] { 0.5f, 0.5f }, y.ToArray<float>());
    }

    [TestMethod]
    public void Softmax_refuses_an_axis_whose_meaning_depends_on_the_opset()
    {
        StringAssert.Contains(Fails("Softmax", [Seq(24, 2, 3, 4)], Attribute.Of("axis", 1L)).Message, "opset 13");
        Fails("Softmax", [Seq(24, 2, 3, 4)]);
        Fails("Softmax", [Seq(24, 2, 3, 4)], Attribute.Of("axis", 0L));
    }

    [TestMethod]
    public void Trilu_upper_and_lower_with_offsets()
    {
        var x = Tensor.FromArray(Enumerable.Range(1, 24).Select(i => (long)i).ToArray(), 2, 3, 4);
        var upper = Ort("Trilu", 14, [x]);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12 }, upper.ToArray<long>()[..12]);
        foreach (long k in new long[] { -5, -1, 0, 2, 9, long.MaxValue, long.MinValue })
        {
            Ort("Trilu", 14, [x, Tensor.Scalar(k)]);
            Ort("Trilu", 14, [x, Tensor.Scalar(k)], Attribute.Of("upper", 0L));
        }
        Ort("Trilu", 14, [Tensor.FromArray(new[] { true, true, true, true }, 2, 2), null], Attribute.Of("upper", 0L));
        Fails("Trilu", [Tensor.Vector(1f)]);
    }

    [TestMethod]
    public void CumSum_forward_reverse_exclusive()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        CollectionAssert.AreEqual(new[] { 1, 3, 6, 4, 9, 15 }, Ort("CumSum", 14, [x, Tensor.Scalar(1)]).ToArray<int>());
        CollectionAssert.AreEqual(new[] { 5, 3, 0, 11, 6, 0 }, Ort("CumSum", 14, [x, Tensor.Scalar(-1L)],
            Attribute.Of("exclusive", 1L), Attribute.Of("reverse", 1L)).ToArray<int>());
        Ort("CumSum", 14, [Seq(24, 2, 3, 4), Tensor.Scalar(0L)], Attribute.Of("reverse", 1L));
        Ort("CumSum", 14, [Seq(24, 2, 3, 4), Tensor.Scalar(1L)], Attribute.Of("exclusive", 1L));
        Fails("CumSum", [x, Tensor.Vector(0L, 1L)]);
    }

    [TestMethod]
    public void NonZero_lists_coordinates_in_row_major_order()
    {
        var x = Tensor.FromArray(new[] { 0f, 1f, 0f, -2f, 0f, 3f }, 2, 3);
        var y = Ort("NonZero", 13, [x]);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 1, 1, 0, 2 }, y.ToArray<long>());
        Ort("NonZero", 13, [Tensor.Vector(true, false, true)]);
        Ort("NonZero", 13, [Tensor.Scalar(5L)]);
        Ort("NonZero", 13, [Tensor.Vector(0, 0)]);
    }
}

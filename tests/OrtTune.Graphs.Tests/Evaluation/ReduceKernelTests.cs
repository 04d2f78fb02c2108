using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ReduceKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(new[] { 1f, -2f, 3.5f, 4f, 0.5f, -6f, 7f, 8f, 9.25f, -10f, 11f, 2f }, 2, 3, 2);
    private static readonly Tensor Ints = Tensor.FromArray(new long[] { 1, -2, 3, 4, 5, -6, 7, 8, 9, -10, 11, 2 }, 2, 3, 2);

    [TestMethod]
    [DataRow("ReduceSum")]
    [DataRow("ReduceMean")]
    [DataRow("ReduceMax")]
    [DataRow("ReduceMin")]
    [DataRow("ReduceProd")]
    public void Reduce_with_axes_input_of_opset_18(string op)
    {
        Ort(op, 18, [X, Tensor.Vector(-1L)]);
        Ort(op, 18, [X, Tensor.Vector(0L, 2L)], Attribute.Of("keepdims", 0L));
        Ort(op, 18, [X]);
        Ort(op, 18, [Ints, Tensor.Vector(1L)], Attribute.Of("keepdims", 0L));
        var same = Ort(op, 18, [X, Tensor.FromArray(Array.Empty<long>(), 0)], Attribute.Of("noop_with_empty_axes", 1L));
        Assert.IsTrue(X.ContentEquals(same));
    }

    [TestMethod]
    [DataRow("ReduceMean")]
    [DataRow("ReduceMax")]
    [DataRow("ReduceMin")]
    [DataRow("ReduceProd")]
    public void Reduce_with_axes_attribute_of_opset_13(string op)
    {
        Ort(op, 13, [X], Attribute.Of("axes", new long[] { 1 }));
        Ort(op, 13, [X], Attribute.Of("axes", new long[] { -1, 0 }), Attribute.Of("keepdims", 0L));
        Ort(op, 13, [Ints]);
    }

    [TestMethod]
    public void ReduceSum_forms_before_and_after_opset_13()
    {
        var y = Ort("ReduceSum", 13, [X, Tensor.Vector(1L)], Attribute.Of("keepdims", 0L));
        CollectionAssert.AreEqual(new long[] { 2, 2 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 5f, -4f, 27.25f, 0f }, y.ToArray<float>());
        Ort("ReduceSum", 11, [X], Attribute.Of("axes", new long[] { 0, -1 }));
        var all = Ort("ReduceSum", 13, [Ints], Attribute.Of("keepdims", 0L));
        Assert.AreEqual(0, all.Rank);
        Assert.AreEqual(32L, all.ToArray<long>()[0]);
    }

    [TestMethod]
    public void Reduce_rejects_bad_axes()
    {
        Fails("ReduceSum", [X, Tensor.Vector(3L)]);
        Fails("ReduceMax", [X], Attribute.Of("axes", new long[] { -4 }));
    }
}

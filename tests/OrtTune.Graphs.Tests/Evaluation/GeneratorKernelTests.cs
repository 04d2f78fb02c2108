using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class GeneratorKernelTests
{
    [TestMethod]
    public void Constant_from_each_kind_of_attribute()
    {
        var tensor = Tensor.FromArray(new[] { 1.5f, 2.5f, 3.5f, 4.5f }, 2, 2);
        Assert.IsTrue(tensor.ContentEquals(Ort("Constant", 13, [], Attribute.Of("value", tensor))));
        Assert.AreEqual(0.25f, Ort("Constant", 13, [], Attribute.Of("value_float", 0.25f)).ToArray<float>()[0]);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, Ort("Constant", 13, [], Attribute.Of("value_floats", new[] { 1f, 2f })).ToArray<float>());
        var scalar = Ort("Constant", 13, [], Attribute.Of("value_int", 42L));
        Assert.AreEqual(0, scalar.Rank);
        CollectionAssert.AreEqual(new long[] { 3, -1 }, Ort("Constant", 13, [], Attribute.Of("value_ints", new long[] { 3, -1 })).ToArray<long>());
        Assert.AreEqual("hi", System.Text.Encoding.UTF8.GetString(Ort("Constant", 13, [], Attribute.Of("value_string", "hi")).Strings[0]));
        Assert.AreEqual(2, Ort("Constant", 13, [], Attribute.Of("value_strings", new[] { "a", "b" })).ElementCount);
    }

    [TestMethod]
    public void Constant_sparse_value_is_written_densely()
    {
        var sparse = new SparseTensor(Tensor.Vector(5f, 7f), Tensor.Vector(1L, 5L), [2, 3]);
        // ONNX Runtime returns a sparse tensor for a sparse Constant, so the dense result is checked by value.
        var y = Eval("Constant", [], new Attribute("sparse_value", AttributeKind.SparseTensor, sparse));
        CollectionAssert.AreEqual(new[] { 0f, 5f, 0f, 0f, 0f, 7f }, y.ToArray<float>());
        var coordinates = new SparseTensor(Tensor.Vector(5f, 7f), Tensor.FromArray(new long[] { 0, 1, 1, 2 }, 2, 2), [2, 3]);
        var z = Eval("Constant", [], new Attribute("sparse_value", AttributeKind.SparseTensor, coordinates));
        CollectionAssert.AreEqual(new[] { 0f, 5f, 0f, 0f, 0f, 7f }, z.ToArray<float>());
    }

    [TestMethod]
    public void Constant_needs_exactly_one_value()
    {
        Fails("Constant", []);
        Fails("Constant", [], Attribute.Of("value_int", 1L), Attribute.Of("value_float", 1f));
    }

    [TestMethod]
    public void ConstantOfShape_fills_with_the_value_or_float_zero()
    {
        var y = Ort("ConstantOfShape", 9, [Tensor.Vector(2L, 3L)], Attribute.Of("value", Tensor.Vector(-1L)));
        CollectionAssert.AreEqual(Enumerable.Repeat(-1L, 6).ToArray(), y.ToArray<long>());
        var zeros = Ort("ConstantOfShape", 9, [Tensor.Vector(4L)]);
        Assert.AreEqual(DataType.Float, zeros.DataType);
        Assert.AreEqual(0, Ort("ConstantOfShape", 9, [Tensor.FromArray(Array.Empty<long>(), 0)], Attribute.Of("value", Tensor.Vector(true))).Rank);
        Assert.AreEqual(0, Ort("ConstantOfShape", 9, [Tensor.Vector(3L, 0L)]).ElementCount);
        Fails("ConstantOfShape", [Tensor.Vector(-2L)]);
    }

    [TestMethod]
    public void Range_of_integers_up_and_down()
    {
        CollectionAssert.AreEqual(new long[] { 3, 6 }, Ort("Range", 11, [Tensor.Scalar(3L), Tensor.Scalar(9L), Tensor.Scalar(3L)]).ToArray<long>());
        CollectionAssert.AreEqual(new long[] { 10, 8, 6 }, Ort("Range", 11, [Tensor.Scalar(10L), Tensor.Scalar(4L), Tensor.Scalar(-2L)]).ToArray<long>());
        CollectionAssert.AreEqual(new[] { 0, 3, 6, 9 }, Ort("Range", 11, [Tensor.Scalar(0), Tensor.Scalar(10), Tensor.Scalar(3)]).ToArray<int>());
        Assert.AreEqual(0, Ort("Range", 11, [Tensor.Scalar(5L), Tensor.Scalar(1L), Tensor.Scalar(1L)]).ElementCount);
        Ort("Range", 11, [Tensor.Scalar((short)-7), Tensor.Scalar((short)7), Tensor.Scalar((short)4)]);
    }

    [TestMethod]
    public void Range_of_floats()
    {
        var y = Ort("Range", 11, [Tensor.Scalar(0.1f), Tensor.Scalar(1.05f), Tensor.Scalar(0.1f)]);
        Assert.AreEqual(10, y.ElementCount);
        Ort("Range", 11, [Tensor.Scalar(1.0), Tensor.Scalar(-1.0), Tensor.Scalar(-0.3)]);
    }

    [TestMethod]
    public void Range_rejects_a_zero_step_and_non_scalars()
    {
        StringAssert.Contains(Fails("Range", [Tensor.Scalar(0L), Tensor.Scalar(5L), Tensor.Scalar(0L)]).Message, "delta");
        Fails("Range", [Tensor.Vector(0L, 1L), Tensor.Scalar(5L), Tensor.Scalar(1L)]);
        Fails("Range", [Tensor.Scalar(0L), Tensor.Scalar(5f), Tensor.Scalar(1L)]);
    }

    [TestMethod]
    public void OneHot_on_the_last_and_first_axis_with_negative_indices()
    {
        var indices = Tensor.FromArray(new long[] { 0, 2, -1, 5 }, 2, 2);
        var values = Tensor.Vector(0f, 1f);
        var y = Ort("OneHot", 11, [indices, Tensor.Scalar(3L), values]);
        CollectionAssert.AreEqual(new long[] { 2, 2, 3 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0f, 0f, 0f, 1f, 0f, 0f, 1f, 0f, 0f, 0f }, y.ToArray<float>());
        // Only some (indices, values, depth) type combinations have ONNX Runtime kernels.
        Ort("OneHot", 11, [indices, Tensor.Scalar(4L), Tensor.Vector(-1L, 7L)], Attribute.Of("axis", 0L));
        Ort("OneHot", 11, [Tensor.FromArray(new[] { 1f, 0f, 2.7f, -1f }, 2, 2), Tensor.Scalar(3f), Tensor.Vector(3f, 4f)], Attribute.Of("axis", -2L));
        Ort("OneHot", 11, [Tensor.Vector(1, 0), Tensor.Scalar(2f), Tensor.Vector(3f, 4f)], Attribute.Of("axis", -2L));
    }
}

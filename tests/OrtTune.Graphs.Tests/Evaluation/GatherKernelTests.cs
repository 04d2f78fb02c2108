using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class GatherKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);

    [TestMethod]
    public void Gather_scalar_index_from_a_shape_vector()
    {
        var y = Ort("Gather", 13, [Tensor.Vector(8L, 128L, 768L), Tensor.Scalar(-2L)], Attribute.Of("axis", 0L));
        Assert.AreEqual(0, y.Rank);
        Assert.AreEqual(128L, y.ToArray<long>()[0]);
    }

    [TestMethod]
    public void Gather_matrix_of_indices_on_a_middle_axis()
    {
        var indices = Tensor.FromArray(new long[] { 2, 0, -1, 1 }, 2, 2);
        var y = Ort("Gather", 13, [X, indices], Attribute.Of("axis", 1L));
        CollectionAssert.AreEqual(new long[] { 2, 2, 2, 4 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 8f, 9f, 10f, 11f }, y.ToArray<float>()[..4]);
        Ort("Gather", 13, [X, Tensor.FromArray(new[] { 3, -4 }, 2)], Attribute.Of("axis", -1L));
    }

    [TestMethod]
    public void Gather_rejects_out_of_range_and_float_indices()
    {
        StringAssert.Contains(Fails("Gather", [X, Tensor.Vector(2L)]).Message, "out of range");
        Fails("Gather", [X, Tensor.Vector(-3L)]);
        Fails("Gather", [X, Tensor.Vector(0f)]);
        Fails("Gather", [X, Tensor.Vector(0L)], Attribute.Of("axis", 3L));
    }

    [TestMethod]
    public void GatherElements_along_an_axis_with_negative_indices()
    {
        var data = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var indices = Tensor.FromArray(new long[] { 2, -3, 1, 0 }, 2, 2);
        var y = Ort("GatherElements", 13, [data, indices], Attribute.Of("axis", 1L));
        CollectionAssert.AreEqual(new long[] { 3, 1, 5, 4 }, y.ToArray<long>());
        Ort("GatherElements", 13, [data, Tensor.FromArray(new long[] { 1, 0, 0 }, 1, 3)]);
    }

    [TestMethod]
    public void ScatterND_replaces_slices_and_reduces_with_add()
    {
        var data = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 3, 4);
        var indices = Tensor.FromArray(new long[] { 2, 0 }, 2, 1);
        var updates = Tensor.FromArray(Enumerable.Range(100, 8).Select(i => (float)i).ToArray(), 2, 4);
        var y = Ort("ScatterND", 18, [data, indices, updates]);
        CollectionAssert.AreEqual(new[] { 104f, 105f, 106f, 107f }, y.ToArray<float>()[..4]);
        Ort("ScatterND", 18, [data, indices, updates], Attribute.Of("reduction", "add"));
        var points = Tensor.FromArray(new long[] { 0, 1, -1, -1 }, 2, 2);
        Ort("ScatterND", 18, [data, points, Tensor.Vector(-1f, -2f)], Attribute.Of("reduction", "mul"));
    }

    [TestMethod]
    public void ScatterElements_is_the_inverse_of_GatherElements()
    {
        var data = Tensor.FromArray(new long[6], 2, 3);
        var indices = Tensor.FromArray(new long[] { 2, -3, 1, 0 }, 2, 2);
        var y = Ort("ScatterElements", 18, [data, indices, Tensor.FromArray(new long[] { 7, 8, 9, 10 }, 2, 2)], Attribute.Of("axis", 1L));
        CollectionAssert.AreEqual(new long[] { 8, 0, 7, 10, 9, 0 }, y.ToArray<long>());
        Ort("ScatterElements", 18, [data, indices, Tensor.FromArray(new long[] { 7, 8, 9, 10 }, 2, 2)], Attribute.Of("axis", 1L), Attribute.Of("reduction", "max"));
    }
}

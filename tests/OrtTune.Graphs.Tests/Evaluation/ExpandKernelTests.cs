using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ExpandKernelTests
{
    [TestMethod]
    public void Expand_broadcasts_to_a_larger_rank()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3 }, 3, 1);
        var y = Ort("Expand", 13, [x, Tensor.Vector(2L, 1L, 4L)]);
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 1, 1, 1, 2, 2, 2, 2 }, y.ToArray<int>()[..8]);
    }

    [TestMethod]
    public void Expand_keeps_input_dims_where_the_shape_has_ones()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, Ort("Expand", 13, [x, Tensor.Vector(1L)]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 2, 3 }, Ort("Expand", 13, [x, Tensor.Vector(2L, 1L, 1L)]).Dims.ToArray());
        Ort("Expand", 13, [Tensor.Scalar(true), Tensor.Vector(2L, 2L)]);
        Fails("Expand", [x, Tensor.Vector(4L)]);
    }

    [TestMethod]
    public void Tile_repeats_each_axis()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var y = Ort("Tile", 13, [x, Tensor.Vector(2L, 2L)]);
        CollectionAssert.AreEqual(new long[] { 4, 6 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, y.ToArray<long>()[..12]);
        Ort("Tile", 13, [x, Tensor.Vector(1L, 0L)]);
        Fails("Tile", [x, Tensor.Vector(2L)]);
    }

    [TestMethod]
    public void Transpose_with_and_without_perm()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        var y = Ort("Transpose", 13, [x], Attribute.Of("perm", new long[] { 1, 0, 2 }));
        CollectionAssert.AreEqual(new long[] { 3, 2, 4 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 0.0, 1, 2, 3, 12, 13, 14, 15 }, y.ToArray<double>()[..8]);
        CollectionAssert.AreEqual(new long[] { 4, 3, 2 }, Ort("Transpose", 13, [x]).Dims.ToArray());
        Ort("Transpose", 13, [x], Attribute.Of("perm", new long[] { 2, 0, 1 }));
        Fails("Transpose", [x], Attribute.Of("perm", new long[] { 0, 0, 1 }));
    }
}

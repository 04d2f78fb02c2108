using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ShapeKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(new float[24], 2, 3, 4);

    [TestMethod]
    public void Shape_gives_the_dims_as_int64()
    {
        var y = Ort("Shape", 18, [X]);
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, y.ToArray<long>());
    }

    [TestMethod]
    public void Shape_start_and_end_slice_with_negative_indices_and_clamping()
    {
        CollectionAssert.AreEqual(new long[] { 3 }, Ort("Shape", 18, [X], Attribute.Of("start", 1L), Attribute.Of("end", -1L)).ToArray<long>());
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, Ort("Shape", 18, [X], Attribute.Of("start", -10L), Attribute.Of("end", 10L)).ToArray<long>());
        Assert.AreEqual(0, Ort("Shape", 18, [X], Attribute.Of("start", 2L), Attribute.Of("end", 1L)).ElementCount);
    }

    [TestMethod]
    public void Size_counts_elements()
    {
        var y = Ort("Size", 18, [X]);
        Assert.AreEqual(0, y.Rank);
        Assert.AreEqual(24L, y.ToArray<long>()[0]);
    }
}

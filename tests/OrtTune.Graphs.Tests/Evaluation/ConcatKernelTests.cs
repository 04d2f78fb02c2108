using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ConcatKernelTests
{
    [TestMethod]
    public void Concat_shape_pieces_into_a_reshape_target()
    {
        var y = Ort("Concat", 13, [Tensor.Vector(8L), Tensor.Vector(128L), Tensor.Vector(12L, 64L)], Attribute.Of("axis", 0L));
        CollectionAssert.AreEqual(new long[] { 8, 128, 12, 64 }, y.ToArray<long>());
    }

    [TestMethod]
    public void Concat_on_a_negative_axis_with_different_sizes()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        var b = Tensor.FromArray(new[] { 5f, 6f }, 2, 1);
        var c = Tensor.FromArray(Array.Empty<float>(), 2, 0);
        var y = Ort("Concat", 13, [a, b, c, a], Attribute.Of("axis", -1L));
        CollectionAssert.AreEqual(new[] { 1f, 2f, 5f, 1f, 2f, 3f, 4f, 6f, 3f, 4f }, y.ToArray<float>());
        CollectionAssert.AreEqual(new long[] { 4, 2 }, Ort("Concat", 13, [a, a], Attribute.Of("axis", 0L)).Dims.ToArray());
    }

    [TestMethod]
    public void Concat_strings()
    {
        var y = Ort("Concat", 13, [Tensor.FromStrings([1], ["x"]), Tensor.FromStrings([2], ["yy", ""])], Attribute.Of("axis", 0L));
        Assert.AreEqual(3, y.ElementCount);
    }

    [TestMethod]
    public void Concat_rejects_mismatched_shapes_types_and_missing_axis()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        StringAssert.Contains(Fails("Concat", [a, Tensor.FromArray(new[] { 1f, 2f, 3f }, 3, 1)], Attribute.Of("axis", 1L)).Message, "cannot concatenate");
        Fails("Concat", [a, Tensor.FromArray(new[] { 1, 2 }, 2, 1)], Attribute.Of("axis", 1L));
        Fails("Concat", [a, a]);
        Fails("Concat", [a, Tensor.Vector(1f)], Attribute.Of("axis", 0L));
    }
}

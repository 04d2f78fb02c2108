using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class SliceKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(Enumerable.Range(0, 60).Select(i => (float)i).ToArray(), 3, 4, 5);
    private static readonly Tensor V = Tensor.Vector(0L, 1L, 2L, 3L, 4L, 5L, 6L);

    [TestMethod]
    public void Slice_with_axes_and_steps()
    {
        var y = Ort("Slice", 13, [X, Tensor.Vector(1L, 0L), Tensor.Vector(3L, 5L), Tensor.Vector(0L, 2L), Tensor.Vector(1L, 2L)]);
        CollectionAssert.AreEqual(new long[] { 2, 4, 3 }, y.Dims.ToArray());
        Assert.AreEqual(20f, y.ToArray<float>()[0]);
        Assert.AreEqual(22f, y.ToArray<float>()[1]);
    }

    [TestMethod]
    public void Slice_negative_step_reverses_and_clamps_int64_min_end()
    {
        var y = Ort("Slice", 13, [V, Tensor.Vector(-1L), Tensor.Vector(long.MinValue), Tensor.Vector(0L), Tensor.Vector(-1L)]);
        CollectionAssert.AreEqual(new long[] { 6, 5, 4, 3, 2, 1, 0 }, y.ToArray<long>());
        var z = Ort("Slice", 13, [V, Tensor.Vector(long.MaxValue), Tensor.Vector(1L), Tensor.Vector(0L), Tensor.Vector(-2L)]);
        CollectionAssert.AreEqual(new long[] { 6, 4, 2 }, z.ToArray<long>());
        var w = Ort("Slice", 13, [V, Tensor.Vector(5L), Tensor.Vector(-100L), Tensor.Vector(0L), Tensor.Vector(-3L)]);
        CollectionAssert.AreEqual(new long[] { 5, 2 }, w.ToArray<long>());
    }

    [TestMethod]
    public void Slice_clamps_int64_max_end_and_too_negative_start()
    {
        var y = Ort("Slice", 13, [V, Tensor.Vector(-100L), Tensor.Vector(long.MaxValue)]);
        CollectionAssert.AreEqual(V.ToArray<long>(), y.ToArray<long>());
        var z = Ort("Slice", 13, [V, Tensor.Vector(2L), Tensor.Vector(long.MaxValue), Tensor.Vector(0L), Tensor.Vector(3L)]);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, z.ToArray<long>());
    }

    [TestMethod]
    public void Slice_on_several_axes_with_a_negative_axis_and_step()
    {
        var y = Ort("Slice", 13, [X, Tensor.Vector(-1L, 4L, 1L), Tensor.Vector(0L, 0L, 3L), Tensor.Vector(-1L, 0L, 1L), Tensor.Vector(-2L, -1L, 1L)]);
        CollectionAssert.AreEqual(new long[] { 2, 2, 2 }, y.Dims.ToArray());
    }

    [TestMethod]
    public void Slice_that_selects_nothing_is_empty()
    {
        var y = Ort("Slice", 13, [V, Tensor.Vector(4L), Tensor.Vector(2L)]);
        Assert.AreEqual(0, y.ElementCount);
        Assert.AreEqual(0, Ort("Slice", 13, [V, Tensor.Vector(2L), Tensor.Vector(4L), Tensor.Vector(0L), Tensor.Vector(-1L)]).ElementCount);
    }

    [TestMethod]
    public void Slice_opset_1_attribute_form()
    {
        var y = Ort("Slice", 9, [X], Attribute.Of("starts", new long[] { 1, -2 }), Attribute.Of("ends", new long[] { long.MaxValue, 1000 }),
            Attribute.Of("axes", new long[] { 0, 2 }));
        CollectionAssert.AreEqual(new long[] { 2, 4, 2 }, y.Dims.ToArray());
        var z = Ort("Slice", 9, [X], Attribute.Of("starts", new long[] { 0, 1 }), Attribute.Of("ends", new long[] { 1, 3 }));
        CollectionAssert.AreEqual(new long[] { 1, 2, 5 }, z.Dims.ToArray());
    }

    [TestMethod]
    public void Slice_works_on_strings()
    {
        var s = Tensor.FromStrings([4], ["a", "bb", "ccc", "dddd"]);
        var y = Ort("Slice", 13, [s, Tensor.Vector(3L), Tensor.Vector(0L), Tensor.Vector(0L), Tensor.Vector(-2L)]);
        CollectionAssert.AreEqual(new[] { "dddd", "bb" }, y.Strings.Select(b => System.Text.Encoding.UTF8.GetString(b)).ToArray());
    }

    [TestMethod]
    public void Slice_rejects_zero_steps_repeated_axes_and_length_mismatch()
    {
        StringAssert.Contains(Fails("Slice", [V, Tensor.Vector(0L), Tensor.Vector(3L), Tensor.Vector(0L), Tensor.Vector(0L)]).Message, "step");
        Fails("Slice", [X, Tensor.Vector(0L, 0L), Tensor.Vector(1L, 1L), Tensor.Vector(1L, -2L)]);
        Fails("Slice", [X, Tensor.Vector(0L, 0L), Tensor.Vector(1L)]);
        Fails("Slice", [X, Tensor.Vector(0L), Tensor.Vector(1L), Tensor.Vector(3L)]);
    }
}

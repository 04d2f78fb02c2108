using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ReshapeKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (long)i).ToArray(), 2, 3, 4);

    [TestMethod]
    public void Reshape_zero_copies_a_dim_and_minus_one_is_inferred()
    {
        var y = Ort("Reshape", 14, [X, Tensor.Vector(0L, -1L)]);
        CollectionAssert.AreEqual(new long[] { 2, 12 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(X.ToArray<long>(), y.ToArray<long>());
        CollectionAssert.AreEqual(new long[] { 4, 1, 6 }, Ort("Reshape", 14, [X, Tensor.Vector(4L, 1L, -1L)]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3, 2, 2 }, Ort("Reshape", 14, [X, Tensor.Vector(0L, 0L, -1L, 2L)]).Dims.ToArray());
    }

    [TestMethod]
    public void Reshape_allowzero_keeps_a_literal_zero()
    {
        var empty = Tensor.FromArray(Array.Empty<float>(), 2, 0, 3);
        var y = Ort("Reshape", 14, [empty, Tensor.Vector(0L, 5L)], Attribute.Of("allowzero", 1L));
        CollectionAssert.AreEqual(new long[] { 0, 5 }, y.Dims.ToArray());
        // Without allowzero the 0 copies dimension 0 (2), and 2x5 elements do not fit in an empty tensor.
        Fails("Reshape", [empty, Tensor.Vector(0L, 5L)]);
    }

    [TestMethod]
    public void Reshape_rejects_bad_targets()
    {
        StringAssert.Contains(Fails("Reshape", [X, Tensor.Vector(-1L, -1L)]).Message, "more than one -1");
        Fails("Reshape", [X, Tensor.Vector(5L, -1L)]);
        Fails("Reshape", [X, Tensor.Vector(2L, 3L, 5L)]);
        Fails("Reshape", [X, Tensor.Vector(2f, 12f)]);
        Fails("Reshape", [X, null]);
    }

    [TestMethod]
    public void Flatten_with_positive_negative_and_edge_axes()
    {
        CollectionAssert.AreEqual(new long[] { 6, 4 }, Ort("Flatten", 13, [X], Attribute.Of("axis", -1L)).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 12 }, Ort("Flatten", 13, [X]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 1, 24 }, Ort("Flatten", 13, [X], Attribute.Of("axis", 0L)).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 24, 1 }, Ort("Flatten", 13, [X], Attribute.Of("axis", 3L)).Dims.ToArray());
        Fails("Flatten", [X], Attribute.Of("axis", 4L));
    }

    [TestMethod]
    public void Squeeze_input_form_attribute_form_and_all_ones()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3 }, 1, 3, 1);
        CollectionAssert.AreEqual(new long[] { 1, 3 }, Ort("Squeeze", 13, [x, Tensor.Vector(-1L)]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 1 }, Ort("Squeeze", 11, [x], Attribute.Of("axes", new long[] { 0 })).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3 }, Ort("Squeeze", 13, [x]).Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3 }, Ort("Squeeze", 13, [x, Tensor.FromArray(Array.Empty<long>(), 0)]).Dims.ToArray());
        StringAssert.Contains(Fails("Squeeze", [x, Tensor.Vector(1L)]).Message, "not 1");
    }

    [TestMethod]
    public void Unsqueeze_input_form_with_negative_axes()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        var y = Ort("Unsqueeze", 13, [x, Tensor.Vector(-1L, 0L)]);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 1 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 1, 3 }, Ort("Unsqueeze", 13, [x, Tensor.Vector(-2L)]).Dims.ToArray());
        // The typical shape-subgraph use: a scalar from Gather becomes a 1-element vector for Concat.
        CollectionAssert.AreEqual(new long[] { 1 }, Ort("Unsqueeze", 13, [Tensor.Scalar(7L), Tensor.Vector(0L)]).Dims.ToArray());
    }

    [TestMethod]
    public void Unsqueeze_attribute_form_of_older_opsets()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        var y = Ort("Unsqueeze", 11, [x], Attribute.Of("axes", new long[] { 0, 3 }));
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 1 }, y.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 1, 3 }, Ort("Unsqueeze", 11, [x], Attribute.Of("axes", new long[] { -2 })).Dims.ToArray());
    }

    [TestMethod]
    public void Unsqueeze_rejects_repeated_and_out_of_range_axes()
    {
        var x = Tensor.Vector(1f, 2f);
        StringAssert.Contains(Fails("Unsqueeze", [x, Tensor.Vector(0L, -3L)]).Message, "twice");
        Fails("Unsqueeze", [x, Tensor.Vector(3L)]);
        Fails("Unsqueeze", [x]);
    }

    [TestMethod]
    public void Identity_returns_its_input()
    {
        var y = Ort("Identity", 18, [X]);
        Assert.IsTrue(X.ContentEquals(y));
    }
}

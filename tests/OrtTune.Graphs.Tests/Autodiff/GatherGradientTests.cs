using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class GatherGradientTests
{
    /// <summary>Token ids with repeats (3 three times, 0 twice) and a row (2) never picked.</summary>
    private static readonly Tensor Tokens = Tensor.FromArray(new long[] { 3, 0, 3, 4, 1, 3, 0, 4 }, 2, 4);

    [TestMethod]
    public void Embedding_lookup_accumulates_repeated_rows() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [5, 3], 1), Tokens],
        Wrt = [0],
    }.Run();

    /// <summary>More table rows than lookups + 1: the rows are summed in a compact buffer, then spread over the table.</summary>
    [TestMethod]
    public void Table_larger_than_the_lookup() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [20, 3], 8), Tokens],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Table_larger_than_the_lookup_with_negative_indices() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [12, 2, 2], 9), Tensor.Vector(-1L, 0L, 3L, -12L, -1L, 11L)],
        Wrt = [0],
    }.Run();

    /// <summary>
    /// The compact form adds each row's gradients in lookup order, like a scatter-add into zeros, so float32 sums are
    /// exactly the sequential ones; rows nobody looked up are exact zeros.
    /// </summary>
    [TestMethod]
    public void Table_larger_than_the_lookup_sums_in_lookup_order()
    {
        var ids = new long[] { 7, 2, 7, 30, 2, 7, 0, 30, 7, 7 };
        var run = new GradientCheck
        {
            OpType = "Gather",
            Inputs = [Random(DataType.Float, [40, 5], 10), Tensor.FromArray(ids, 2, 5)],
            Wrt = [0],
        }.RunAnalytic();
        var w = run.LossWeights[0]!.AsSpan<float>().ToArray();   // dL/dy, [10, 5]
        var expected = new float[40 * 5];
        for (int i = 0; i < ids.Length; i++)
            for (int j = 0; j < 5; j++) expected[ids[i] * 5 + j] += w[i * 5 + j];
        CollectionAssert.AreEqual(expected, run.Gradients[0].AsSpan<float>().ToArray());
    }

    [TestMethod]
    public void Int32_indices_of_rank_3() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [4, 2], 2), Tensor.FromArray(new[] { 1, 1, 0, 3, 1, 0 }, 1, 3, 2)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Scalar_index() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [4, 3], 3), Tensor.Scalar(2L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Negative_indices() => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [4, 3], 4), Tensor.Vector(-1L, 0L, 3L, -4L, -1L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    [DataRow(1L)]
    [DataRow(-1L)]
    [DataRow(2L)]
    public void Other_axes(long axis) => new GradientCheck
    {
        OpType = "Gather",
        Inputs = [Random(DataType.Double, [2, 4, 4], 5), Tensor.FromArray(new long[] { 3, 1, -1, 0, 1, 1 }, 3, 2)],
        Attributes = [Attribute.Of("axis", axis)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Below_opset_16_asks_for_the_upgrade()
    {
        var check = new GradientCheck { OpType = "Gather", Opset = 14, Inputs = [Random(DataType.Double, [5, 3], 1), Tokens], Wrt = [0] };
        var e = Assert.ThrowsExactly<OrtTuneException>(check.Run);
        StringAssert.Contains(e.Message, "OpsetUpgrade");
        StringAssert.Contains(e.Message, "opset 14");
    }

    [TestMethod]
    [DataRow(0L)]
    [DataRow(1L)]
    [DataRow(-1L)]
    public void GatherElements_with_repeats(long axis) => new GradientCheck
    {
        OpType = "GatherElements",
        Inputs = [Random(DataType.Double, [3, 3], 6), Tensor.FromArray(new long[] { 0, 2, 2, 1, 1, -1, 2, 0, 0 }, 3, 3)],
        Attributes = [Attribute.Of("axis", axis)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void GatherElements_indices_smaller_than_data() => new GradientCheck
    {
        OpType = "GatherElements",
        Inputs = [Random(DataType.Double, [3, 4], 7), Tensor.FromArray(new long[] { 3, 3, 0, 1 }, 2, 2)],
        Attributes = [Attribute.Of("axis", 1L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void GatherND_tuples_and_slices() => new GradientCheck
    {
        OpType = "GatherND",
        Inputs = [Random(DataType.Double, [3, 4, 2], 8), Tensor.FromArray(new long[] { 0, 1, 2, 3, 0, 1 }, 3, 2)],
        Wrt = [0],
    }.Run();
}

using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Evaluation;
using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class SplitKernelTests
{
    private static readonly Tensor X = Tensor.FromArray(Enumerable.Range(0, 14).Select(i => (float)i).ToArray(), 2, 7);

    [TestMethod]
    public void Split_sizes_from_the_input()
    {
        var parts = OrtMany("Split", 13, 3, [X, Tensor.Vector(2L, 4L, 1L)], Attribute.Of("axis", -1L));
        CollectionAssert.AreEqual(new long[] { 2, 4 }, parts[1]!.Dims.ToArray());
        CollectionAssert.AreEqual(new[] { 6f, 13f }, parts[2]!.ToArray<float>());
    }

    [TestMethod]
    public void Split_sizes_from_the_attribute_of_older_opsets()
    {
        var parts = OrtMany("Split", 11, 2, [X], Attribute.Of("axis", 1L), Attribute.Of("split", new long[] { 3, 4 }));
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 7f, 8f, 9f }, parts[0]!.ToArray<float>());
    }

    [TestMethod]
    public void Split_equally_by_output_count()
    {
        var parts = OrtMany("Split", 13, 2, [X]);
        CollectionAssert.AreEqual(new long[] { 1, 7 }, parts[0]!.Dims.ToArray());
    }

    [TestMethod]
    public void Split_num_outputs_makes_the_last_part_smaller()
    {
        var parts = OrtMany("Split", 18, 3, [X], Attribute.Of("axis", 1L), Attribute.Of("num_outputs", 3L));
        CollectionAssert.AreEqual(new long[] { 3, 3, 1 }, parts.Select(p => p!.Dims[1]).ToArray());
    }

    [TestMethod]
    public void Split_rejects_sizes_that_do_not_add_up()
    {
        var node = MakeNode("Split", [X, Tensor.Vector(3L, 3L)], 2, Attribute.Of("axis", 1L));
        Assert.ThrowsExactly<OrtTuneException>(() => ConstantKernels.Evaluate(node, [X, Tensor.Vector(3L, 3L)]));
        var uneven = MakeNode("Split", [X], 3, Attribute.Of("axis", 1L));
        Assert.ThrowsExactly<OrtTuneException>(() => ConstantKernels.Evaluate(uneven, [X]));
    }
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class SliceGradientTests
{
    private static void Check(long[] shape, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null, int seed = 1) => new GradientCheck
    {
        OpType = "Slice",
        Inputs = [Random(DataType.Double, shape, seed), Tensor.Vector(starts), Tensor.Vector(ends),
            axes is null ? null : Tensor.Vector(axes), steps is null ? null : Tensor.Vector(steps)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Step_1_on_the_leading_axes() => Check([4, 5], [1, 2], [3, 5]);

    [TestMethod]
    public void Negative_axes_and_bounds() => Check([3, 4, 6], [-5, 1], [-1, 100], axes: [-1, 0]);

    [TestMethod]
    public void Step_2_leaves_the_tail() => Check([7, 3], [1], [7], axes: [0], steps: [2]);

    [TestMethod]
    public void Step_3_ending_on_the_last_element() => Check([2, 7], [0], [7], axes: [1], steps: [3]);

    [TestMethod]
    public void Step_minus_1_reverses() => Check([5, 2], [-1], [long.MinValue], axes: [0], steps: [-1]);

    [TestMethod]
    public void Negative_step_2_from_the_middle() => Check([3, 8], [6], [0], axes: [1], steps: [-2]);

    [TestMethod]
    public void Mixed_steps_on_several_axes() => Check([6, 5, 7], [5, 1, 0], [0, 5, 7], axes: [0, 1, 2], steps: [-3, 1, 2]);

    [TestMethod]
    public void Single_element_with_a_large_step() => Check([5, 3], [2], [3], axes: [0], steps: [4]);

    [TestMethod]
    public void Bounds_attributes_before_opset_10() => new GradientCheck
    {
        OpType = "Slice",
        Opset = 9,
        Inputs = [Random(DataType.Double, [4, 5], 2)],
        Attributes = [Attribute.Of("starts", new long[] { 1, -3 }), Attribute.Of("ends", new long[] { 3, 1000 }), Attribute.Of("axes", new long[] { 0, 1 })],
        Wrt = [0],
    }.Run();
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class WhereGradientTests
{
    private static readonly Tensor Cond = Tensor.FromArray(new[] { true, false, false, true, true, false }, 2, 3);

    [TestMethod]
    public void Where_same_shapes() => new GradientCheck
    {
        OpType = "Where",
        Inputs = [Cond, Random(DataType.Double, [2, 3], 1), Random(DataType.Double, [2, 3], 2)],
        Wrt = [1, 2],
    }.Run();

    [TestMethod]
    public void Where_broadcasts_each_branch() => new GradientCheck
    {
        OpType = "Where",
        Inputs = [Cond, Random(DataType.Double, [4, 1, 3], 3), Random(DataType.Double, [1], 4)],
        Wrt = [1, 2],
    }.Run();

    [TestMethod]
    public void Where_condition_broadcast_over_data() => new GradientCheck
    {
        OpType = "Where",
        Inputs = [Tensor.FromArray(new[] { true, false, true }, 3), Random(DataType.Double, [2, 3], 5), Random(DataType.Double, [2, 1], 6)],
        Wrt = [1, 2],
    }.Run();
}

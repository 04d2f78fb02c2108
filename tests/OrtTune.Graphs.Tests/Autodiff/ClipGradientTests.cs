using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class ClipGradientTests
{
    // Inputs on a grid offset from the bounds, so that no element sits within eps of a bound.
    private static Tensor X() => Tensor.FromArray(Enumerable.Range(0, 12).Select(i => -1.13 + 0.2 * i).ToArray(), 3, 4);

    [TestMethod]
    public void Both_bounds() => new GradientCheck
    {
        OpType = "Clip",
        Inputs = [X(), Tensor.Scalar(-0.5), Tensor.Scalar(0.6)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Min_only() => new GradientCheck { OpType = "Clip", Inputs = [X(), Tensor.Scalar(-0.5)], Wrt = [0] }.Run();

    [TestMethod]
    public void Max_only() => new GradientCheck { OpType = "Clip", Inputs = [X(), null, Tensor.Scalar(0.6)], Wrt = [0] }.Run();

    [TestMethod]
    public void No_bounds() => new GradientCheck { OpType = "Clip", Inputs = [X()], Wrt = [0] }.Run();

    [TestMethod]
    public void Gradients_of_the_bounds() => new GradientCheck
    {
        OpType = "Clip",
        Inputs = [X(), Tensor.Scalar(-0.5), Tensor.Scalar(0.6)],
        Wrt = [0, 1, 2],
    }.Run();
}

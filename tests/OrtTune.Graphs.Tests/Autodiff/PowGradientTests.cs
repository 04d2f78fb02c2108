using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class PowGradientTests
{
    [TestMethod]
    [DataRow(2.0)]
    [DataRow(0.5)]
    [DataRow(1.0)]
    [DataRow(3.0)]
    [DataRow(-1.5)]
    public void Constant_scalar_exponent(double k) => new GradientCheck
    {
        OpType = "Pow",
        Inputs = [Random(DataType.Double, [3, 4], 1, 0.3, 2), Tensor.Scalar(k)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Constant_integer_exponent_of_another_type() => new GradientCheck
    {
        OpType = "Pow",
        Inputs = [Random(DataType.Double, [3, 4], 2, -2, 2), Tensor.Scalar(3L)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Constant_exponent_tensor() => new GradientCheck
    {
        OpType = "Pow",
        Inputs = [Random(DataType.Double, [3, 4], 3, 0.3, 2), Random(DataType.Double, [4], 4, -2, 3)],
        Wrt = [0],
    }.Run();

    [TestMethod]
    public void Base_and_exponent_with_broadcasting() => new GradientCheck
    {
        OpType = "Pow",
        Inputs = [Random(DataType.Double, [2, 3, 4], 5, 0.3, 2), Random(DataType.Double, [3, 1], 6, -2, 3)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    public void Exponent_only() => new GradientCheck
    {
        OpType = "Pow",
        Inputs = [Random(DataType.Double, [4], 7, 0.3, 2), Random(DataType.Double, [2, 4], 8, -2, 3)],
        Wrt = [1],
    }.Run();

    /// <summary>d/db aᵇ at a = 0 is 0 (b &gt; 0), not the NaN of y·ln a.</summary>
    [TestMethod]
    public void Exponent_gradient_is_zero_at_zero_base()
    {
        var run = new GradientCheck
        {
            OpType = "Pow",
            Inputs = [Tensor.FromArray(new[] { 0.0, 2.0 }, 2), Tensor.FromArray(new[] { 1.5, 1.5 }, 2)],
            Wrt = [1],
        }.RunAnalytic();
        var grad = ToDoubles(run.Gradients[0]);
        Assert.AreEqual(0.0, grad[0]);
        Assert.AreEqual(ToDoubles(run.LossWeights[0]!)[1] * Math.Pow(2, 1.5) * Math.Log(2), grad[1], 1e-12);
    }
}

using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class UnaryMathGradientTests
{
    [TestMethod]
    [DataRow("Sqrt")]
    [DataRow("Log")]
    public void Positive_domain(string op) =>
        new GradientCheck { OpType = op, Inputs = [Random(DataType.Double, [2, 3, 4], 1, 0.2, 3)], Wrt = [0] }.Run();

    [TestMethod]
    [DataRow("Reciprocal")]
    [DataRow("Abs")]
    public void Away_from_zero(string op) =>
        new GradientCheck { OpType = op, Inputs = [Signed(DataType.Double, [3, 5], 2, 0.2, 2)], Wrt = [0] }.Run();

    [TestMethod]
    public void Exp() => new GradientCheck { OpType = "Exp", Inputs = [Random(DataType.Double, [3, 5], 3, -2, 2)], Wrt = [0] }.Run();

    /// <summary>ORT's Erf kernel is float only.</summary>
    [TestMethod]
    public void Erf() => new GradientCheck { OpType = "Erf", Inputs = [Random(DataType.Float, [3, 5], 4, -2, 2)], Wrt = [0] }.Run();
}

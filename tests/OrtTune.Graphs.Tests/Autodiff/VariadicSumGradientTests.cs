using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

/// <summary>ORT's Mean kernel is float only; Sum has a double one.</summary>
[TestClass]
public sealed class VariadicSumGradientTests
{
    private static DataType TypeOf(string op) => op == "Mean" ? DataType.Float : DataType.Double;

    [TestMethod]
    [DataRow("Sum")]
    [DataRow("Mean")]
    public void One_input(string op) =>
        new GradientCheck { OpType = op, Inputs = [Random(TypeOf(op), [3, 4], 1)], Wrt = [0] }.Run();

    [TestMethod]
    [DataRow("Sum")]
    [DataRow("Mean")]
    public void Three_inputs_with_broadcasting(string op) => new GradientCheck
    {
        OpType = op,
        Inputs = [Random(TypeOf(op), [2, 3, 4], 2), Random(TypeOf(op), [3, 1], 3), Random(TypeOf(op), [4], 4)],
        Wrt = [0, 1, 2],
    }.Run();
}

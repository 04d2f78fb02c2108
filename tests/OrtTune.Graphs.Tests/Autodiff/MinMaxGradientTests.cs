using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class MinMaxGradientTests
{
    [TestMethod]
    [DataRow("Max")]
    [DataRow("Min")]
    public void One_input(string op) =>
        new GradientCheck { OpType = op, Inputs = [Random(DataType.Double, [3, 4], 1)], Wrt = [0] }.Run();

    [TestMethod]
    [DataRow("Max")]
    [DataRow("Min")]
    public void Two_inputs_with_broadcasting(string op) => new GradientCheck
    {
        OpType = op,
        Inputs = [Random(DataType.Double, [2, 3, 4], 2), Random(DataType.Double, [3, 1], 3)],
        Wrt = [0, 1],
    }.Run();

    [TestMethod]
    [DataRow("Max")]
    [DataRow("Min")]
    public void Three_inputs(string op) => new GradientCheck
    {
        OpType = op,
        Inputs = [Random(DataType.Double, [3, 4], 4), Random(DataType.Double, [4], 5), Random(DataType.Double, [3, 4], 6)],
        Wrt = [0, 1, 2],
    }.Run();

    /// <summary>Tied inputs share the gradient evenly, which is also what the central difference measures for two.</summary>
    [TestMethod]
    [DataRow("Max")]
    [DataRow("Min")]
    public void Ties_split_evenly(string op)
    {
        var x = Random(DataType.Double, [6], 7);
        new GradientCheck { OpType = op, Inputs = [x, x], Wrt = [0, 1] }.Run();
    }
}

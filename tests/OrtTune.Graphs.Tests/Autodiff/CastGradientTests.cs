using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class CastGradientTests
{
    [TestMethod]
    public void Float_to_double() => new GradientCheck
    {
        OpType = "Cast",
        Inputs = [Random(DataType.Float, [3, 4], 1)],
        Attributes = [Attribute.Of("to", (long)DataType.Double)],
        Wrt = [0],
    }.Run();

    /// <summary>The loss is float here, so the difference step is float-sized too.</summary>
    [TestMethod]
    public void Double_to_float() => new GradientCheck
    {
        OpType = "Cast",
        Inputs = [Random(DataType.Double, [3, 4], 2)],
        Attributes = [Attribute.Of("to", (long)DataType.Float)],
        Wrt = [0],
        Epsilon = 1e-2,
        RelativeTolerance = 1e-4,
        AbsoluteTolerance = 1e-5,
    }.Run();

    [TestMethod]
    public void Same_type() => new GradientCheck
    {
        OpType = "Cast",
        Inputs = [Random(DataType.Double, [3, 4], 3)],
        Attributes = [Attribute.Of("to", (long)DataType.Double)],
        Wrt = [0],
    }.Run();
}

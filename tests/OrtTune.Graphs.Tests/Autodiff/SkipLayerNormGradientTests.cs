using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

/// <summary>ORT's Skip(Simplified)LayerNormalization. The CPU kernels never write the mean/inv_std_var outputs, so only y and the sum enter the loss.</summary>
[TestClass]
public sealed class SkipLayerNormGradientTests
{
    private const string Ms = "com.microsoft";

    [TestMethod]
    public void All_inputs() => new GradientCheck
    {
        OpType = "SkipLayerNormalization",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 5], 1, -2, 2), Random(DataType.Float, [2, 3, 5], 2), Random(DataType.Float, [5], 3, 0.5, 1.5),
            Random(DataType.Float, [5], 4), Random(DataType.Float, [5], 5)],
        Attributes = [Attribute.Of("epsilon", 1e-5f)],
        Wrt = [0, 1, 2, 3, 4],
    }.Run();

    [TestMethod]
    public void Without_beta_and_bias_and_broadcast_skip() => new GradientCheck
    {
        OpType = "SkipLayerNormalization",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 5], 6, -2, 2), Random(DataType.Float, [3, 5], 7), Random(DataType.Float, [5], 8, 0.5, 1.5)],
        Wrt = [0, 1, 2],
    }.Run();

    /// <summary>With the sum output written, the rule reads it, and gradients reaching it are added.</summary>
    [TestMethod]
    [DataRow("SkipLayerNormalization")]
    [DataRow("SkipSimplifiedLayerNormalization")]
    public void Sum_output(string op) => new GradientCheck
    {
        OpType = op,
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 5], 9, -2, 2), Random(DataType.Float, [2, 3, 5], 10), Random(DataType.Float, [5], 11, 0.5, 1.5)],
        Attributes = [Attribute.Of("epsilon", 1e-5f)],
        Outputs = 4,
        LossOutputs = [0, 3],
        Wrt = [0, 1, 2],
    }.Run();

    [TestMethod]
    public void Simplified_with_bias() => new GradientCheck
    {
        OpType = "SkipSimplifiedLayerNormalization",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 5], 12, -2, 2), Random(DataType.Float, [1, 3, 5], 13), Random(DataType.Float, [5], 14, 0.5, 1.5),
            Random(DataType.Float, [5], 15)],
        Wrt = [0, 1, 2, 3],
    }.Run();

    [TestMethod]
    public void Gamma_and_beta_only() => new GradientCheck
    {
        OpType = "SkipLayerNormalization",
        Domain = Ms,
        Inputs = [Random(DataType.Float, [2, 3, 5], 16, -2, 2), Random(DataType.Float, [2, 3, 5], 17), Random(DataType.Float, [5], 18, 0.5, 1.5),
            Random(DataType.Float, [5], 19), Random(DataType.Float, [5], 20)],
        Wrt = [2, 3],
    }.Run();
}

using Microsoft.ML.OnnxRuntime;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;
using static OrtTune.Graphs.Tests.Autodiff.GradientCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

[TestClass]
public sealed class DropoutGradientTests
{
    private const float Ratio = 0.3f;
    private static readonly Attribute Seed = Attribute.Of("seed", 1234L);

    private static Tensor X() => Random(DataType.Double, [4, 8], 1);

    [TestMethod]
    public void Without_training_mode_is_identity() =>
        new GradientCheck { OpType = "Dropout", Inputs = [X(), Tensor.Scalar(Ratio)], Wrt = [0] }.Run();

    [TestMethod]
    public void Training_mode_false_is_identity() =>
        new GradientCheck { OpType = "Dropout", Inputs = [X(), Tensor.Scalar(Ratio), Tensor.Scalar(false)], Outputs = 2, Wrt = [0] }.Run();

    [TestMethod]
    public void Ratio_zero_is_identity() =>
        new GradientCheck { OpType = "Dropout", Inputs = [X(), Tensor.Scalar(0f), Tensor.Scalar(true)], Wrt = [0] }.Run();

    /// <summary>
    /// dx = g ⊙ mask / (1 − ratio) with the mask of the same run, whether the node had a mask output or the rule
    /// added one; and, with a fresh session per evaluation so that the seeded mask repeats, finite differences agree.
    /// </summary>
    [TestMethod]
    [DataRow(2)]
    [DataRow(1)]
    public void Training_uses_the_nodes_mask(int outputs)
    {
        var check = new GradientCheck
        {
            OpType = "Dropout",
            Inputs = [X(), Tensor.Scalar(Ratio), Tensor.Scalar(true)],
            Attributes = [Seed],
            Outputs = outputs,
            LossOutputs = [0],
            Wrt = [0],
            FreshSessions = true,
        };
        var run = check.RunAnalytic();
        Assert.HasCount(2, run.Outputs, "the rule gives the node a mask output");
        var mask = run.Outputs[1]!.ToArray<bool>();
        var weights = ToDoubles(run.LossWeights[0]!);
        var grad = ToDoubles(run.Gradients[0]);
        Assert.IsTrue(mask.Contains(true) && mask.Contains(false), "a mask of 32 elements at ratio 0.3 drops some and keeps some");
        for (int i = 0; i < grad.Length; i++)
            Assert.AreEqual(mask[i] ? weights[i] / (1 - Ratio) : 0, grad[i], 1e-6, $"element {i}");
        check.Run();
    }

    /// <summary>Ratio and training_mode known only at run time: the rule builds the scale and the choice into the graph.</summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Run_time_ratio_and_training_mode(bool training) => new GradientCheck
    {
        OpType = "Dropout",
        Inputs = [X(), Tensor.Scalar(Ratio), Tensor.Scalar(training)],
        Attributes = [Seed],
        Wrt = [0],
        Fed = [1, 2],
        FreshSessions = true,
    }.Run();

    /// <summary>What <see cref="GradientCheck.FreshSessions"/> relies on: a seeded Dropout repeats its mask on the first run of every session.</summary>
    [TestMethod]
    public void Seeded_mask_repeats_across_fresh_sessions()
    {
        var graph = new Graph("dropout");
        var model = new Model(graph);
        model.OpsetImports[""] = 17;
        var x = graph.AddInput("x", new TensorType(DataType.Float, new Shape(64L)));
        var node = graph.Append(new Node("", "Dropout",
            [x, graph.AddInitializer("ratio", Tensor.Scalar(0.5f)), graph.AddInitializer("training", Tensor.Scalar(true))],
            ["y", "mask"], [Seed]));
        graph.Outputs.Add(node.Outputs[1]!);
        graph.Outputs[0].Type = new TensorType(DataType.Bool, new Shape(64L));
        var bytes = OnnxModelIO.ToBytes(model);
        var feeds = new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new float[64], 64) };
        bool[] Mask(InferenceSession s) => OrtHarness.Run(s, feeds, ["mask"])["mask"].ToArray<bool>();

        using var first = new InferenceSession(bytes);
        using var second = new InferenceSession(bytes);
        var a = Mask(first);
        CollectionAssert.AreEqual(a, Mask(second));
        CollectionAssert.AreNotEqual(a, Mask(first), "a later run of the same session draws a new mask");
    }
}

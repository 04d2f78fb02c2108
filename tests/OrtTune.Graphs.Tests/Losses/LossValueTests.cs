using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Losses;

/// <summary>Loss values in ONNX Runtime against PyTorch's, and the block's contract (inputs, names, label checks).</summary>
[TestClass]
public sealed class LossValueTests
{
    public static IEnumerable<object[]> Cases() => LossFixture.Cases();

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Float_loss_matches_pytorch(string name)
    {
        var f = LossFixture.Load(name);
        var (model, _, _) = f.Build(DataType.Float);
        double loss = LossFixture.Run(model, f.Feeds(DataType.Float, LabelsName(f.Kind)));
        Assert.AreEqual(f.Loss, loss, 1e-5 * Math.Abs(f.Loss), $"{name}: float loss");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Double_loss_matches_pytorch_to_double_rounding(string name)
    {
        var f = LossFixture.Load(name);
        var (model, _, _) = f.Build(DataType.Double);
        double loss = LossFixture.Run(model, f.Feeds(DataType.Double, LabelsName(f.Kind)));
        Assert.AreEqual(f.Loss, loss, 1e-12 * Math.Abs(f.Loss), $"{name}: double loss");
    }

    [TestMethod]
    [DataRow(13L)]
    [DataRow(18L)]
    public void Other_opsets_give_the_same_loss(long opset)
    {
        foreach (var name in new[] { "causal_row_ignored", "seqcls_ignore", "mse", "bce" })
        {
            var f = LossFixture.Load(name);
            var (model, _, _) = f.Build(DataType.Float, opset);
            Assert.AreEqual(f.Loss, LossFixture.Run(model, f.Feeds(DataType.Float, LabelsName(f.Kind))), 1e-5 * Math.Abs(f.Loss), $"{name} at opset {opset}");
        }
    }

    [TestMethod]
    public void Half_logits_are_cast_to_float()
    {
        var f = LossFixture.Load("causal_ignore_middle");
        var (model, _, loss) = f.Build(DataType.Float16);
        Assert.AreEqual(DataType.Float, loss.ElemType);
        double value = LossFixture.Run(model, f.Feeds(DataType.Float16, "labels"));
        Assert.AreEqual(f.Loss, value, 2e-3 * Math.Abs(f.Loss), "fp16 logits round to ~1e-3");
    }

    [TestMethod]
    public void Every_label_ignored_gives_zero_not_nan()
    {
        var f = LossFixture.Load("causal_basic");
        var (model, _, _) = f.Build(DataType.Float);
        var labels = Enumerable.Repeat(-100L, (int)f.Labels.ElementCount).ToArray();
        labels[0] = 3; // position 0 is never a target, so this one does not count either
        var feeds = new Dictionary<string, Tensor> { ["prediction"] = f.Prediction, ["labels"] = Tensor.FromArray(labels, f.Labels.Dims.ToArray()) };
        Assert.AreEqual(0.0, LossFixture.Run(model, feeds));
    }

    [TestMethod]
    public void Causal_loss_only_reads_labels_from_position_one()
    {
        // Changing labels[:, 0] must not change the loss: no position predicts it.
        var f = LossFixture.Load("causal_ignore_middle");
        var (model, _, _) = f.Build(DataType.Double);
        var labels = f.Labels.ToArray<long>();
        long seq = f.Labels.Dims[1];
        for (long b = 0; b < f.Labels.Dims[0]; b++) labels[b * seq] = (labels[b * seq] + 1) % 7;
        var feeds = f.Feeds(DataType.Double, "labels");
        feeds["labels"] = Tensor.FromArray(labels, f.Labels.Dims.ToArray());
        Assert.AreEqual(f.Loss, LossFixture.Run(model, feeds), 1e-12 * f.Loss);
    }

    [TestMethod]
    public void Custom_ignore_index_and_names()
    {
        var f = LossFixture.Load("seqcls_ignore");
        var options = new LossOptions(LossKind.SequenceClassificationCrossEntropy) { IgnoreIndex = -1, LabelsName = "y", LossName = "ce" };
        var graph = new Graph("g");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = 17;
        var x = graph.AddInput("prediction", f.Prediction.Type);
        var loss = Loss.Append(model, x, options);
        Assert.AreEqual("ce", loss.Name);
        graph.Outputs.Add(loss);
        var labels = f.Labels.ToArray<long>().Select(l => l == -100 ? -1 : l).ToArray();
        var result = OrtHarness.Run(OnnxModelIO.ToBytes(model),
            new Dictionary<string, Tensor> { ["prediction"] = f.Prediction, ["y"] = Tensor.FromArray(labels, labels.Length) })["ce"];
        Assert.AreEqual(f.Loss, result.ToArray<float>()[0], 1e-5 * f.Loss);
    }

    [TestMethod]
    public void Labels_input_is_int64_of_the_label_shape()
    {
        var (model, _, loss) = LossFixture.Build(LossKind.CausalLMCrossEntropy, DataType.Float, [3, 6, 7]);
        var labels = model.Graph.Inputs.Single(v => v.Name == "labels");
        Assert.AreEqual("int64[3, 6]", labels.Type!.ToString());
        Assert.AreEqual("loss", loss.Name);
        Assert.AreEqual(0, loss.Shape!.Rank);
        (model, _, _) = LossFixture.Build(LossKind.SequenceClassificationCrossEntropy, DataType.Float, [3, 5]);
        Assert.AreEqual("int64[3]", model.Graph.Inputs.Single(v => v.Name == "labels").Type!.ToString());
        (model, _, _) = LossFixture.Build(LossKind.BinaryCrossEntropyWithLogits, DataType.Float16, [3, 5]);
        Assert.AreEqual("float[3, 5]", model.Graph.Inputs.Single(v => v.Name == "target").Type!.ToString());
    }

    [TestMethod]
    public void Symbolic_shapes_are_refused_until_specialised()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            LossFixture.Build(LossKind.CausalLMCrossEntropy, DataType.Float, [Dim.Named("batch"), 6, 7]));
        StringAssert.Contains(e.Message, "static shape");
    }

    [TestMethod]
    [DataRow(5L)]    // = C
    [DataRow(9L)]    // > C
    [DataRow(-1L)]   // negative other than ignore_index: GatherElements would read from the end
    [DataRow(-101L)]
    public void Label_out_of_range_fails_the_run_on_cpu(long bad)
    {
        var f = LossFixture.Load("seqcls_basic");
        var (model, _, _) = f.Build(DataType.Float);
        var labels = f.Labels.ToArray<long>();
        labels[2] = bad;
        var feeds = new Dictionary<string, Tensor> { ["prediction"] = f.Prediction, ["labels"] = Tensor.FromArray(labels, labels.Length) };
        Assert.Throws<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(() => LossFixture.Run(model, feeds));
    }

    [TestMethod]
    public void Taken_names_are_refused_before_anything_is_added()
    {
        var graph = new Graph("g");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = 17;
        var x = graph.AddInput("prediction", new TensorType(DataType.Float, new Shape(2, 3)));
        graph.AddInput("labels", new TensorType(DataType.Int64, new Shape(2)));
        Assert.ThrowsExactly<ArgumentException>(() => Loss.Append(model, x, new LossOptions(LossKind.SequenceClassificationCrossEntropy)));
        Assert.AreEqual(0, graph.NodeCount);
        Assert.ThrowsExactly<ArgumentException>(() => Loss.Append(model, x, new LossOptions(LossKind.MeanSquaredError) { LossName = "prediction" }));
        Assert.AreEqual(0, graph.NodeCount);
    }

    [TestMethod]
    public void Wrong_ranks_are_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => LossFixture.Build(LossKind.SequenceClassificationCrossEntropy, DataType.Float, [2, 3, 4]));
        Assert.ThrowsExactly<ArgumentException>(() => LossFixture.Build(LossKind.CausalLMCrossEntropy, DataType.Float, [2, 4]));
        Assert.ThrowsExactly<ArgumentException>(() => LossFixture.Build(LossKind.CausalLMCrossEntropy, DataType.Float, [2, 1, 4]));
        Assert.ThrowsExactly<ArgumentException>(() => LossFixture.Build(LossKind.CausalLMCrossEntropy, DataType.Float16, [2, 4]));
    }

    public static string LabelsName(LossKind kind) => new LossOptions(kind).ResolvedLabelsName;
}

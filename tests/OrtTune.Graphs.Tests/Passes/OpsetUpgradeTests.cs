using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Passes;

/// <summary>An upgraded model computes bit for bit what it did; what would change meaning is refused.</summary>
[TestClass]
public sealed class OpsetUpgradeTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Fixture_upgrades_with_bit_identical_outputs(string fixture)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var model = OnnxModelIO.Load(Path.Combine(dir, "model.onnx"));
        long before = model.DefaultOpset;
        var inputs = OrtHarness.FixtureInputs(dir);
        var expected = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);

        var result = new OpsetUpgrade().Run(model);

        Assert.AreEqual(before < 17, result.Modified, result.Summary);
        Assert.AreEqual(17L, model.DefaultOpset);
        AssertSameOutputs(expected, OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs), fixture);
    }

    [TestMethod]
    public void Stories260K_upgrades_with_bit_identical_logits()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var ids = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy")).ToArray<long>();
        var inputs = new Dictionary<string, Tensor> { ["input_ids"] = Tensor.FromArray(ids, 1, ids.Length) };
        var model = OnnxModelIO.Load(path);
        Assert.AreEqual(14L, model.DefaultOpset);
        var expected = OrtHarness.Run(path, inputs);

        Assert.IsTrue(new OpsetUpgrade().Run(model).Modified);

        Assert.AreEqual(17L, model.DefaultOpset);
        Assert.IsGreaterThanOrEqualTo(8L, model.IrVersion);
        AssertSameOutputs(expected, OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs), "stories260K");
    }

    [TestMethod]
    [DataRow(13L, true)]
    [DataRow(17L, true)]
    [DataRow(17L, false)]
    [DataRow(18L, true)]
    [DataRow(18L, false)]
    public void Rewritten_opset_11_nodes_compute_the_same(long target, bool condition)
    {
        var model = Opset11Model();
        var inputs = Opset11Inputs(condition);
        var expected = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);

        new OpsetUpgrade(target).Run(model);

        Assert.AreEqual(target, model.DefaultOpset);
        AssertSameOutputs(expected, OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs), $"opset 11 → {target}");
    }

    [TestMethod]
    public void Nodes_take_the_new_forms()
    {
        var model = Opset11Model();
        new OpsetUpgrade(18).Run(model);

        var nodes = model.Graph.AllNodes().ToList();
        foreach (var n in nodes.Where(n => n.OpType.StartsWith("Reduce") || n.OpType is "Squeeze" or "Unsqueeze"))
        {
            Assert.IsNull(n.Attr("axes"), $"{n} still has an axes attribute");
            if (n.OpType != "ReduceL2") Assert.IsNotNull(n.InputOrNull(1), $"{n} has no axes input");
        }
        var splits = nodes.Where(n => n.OpType == "Split").ToList();
        Assert.HasCount(2, splits);
        Assert.IsTrue(splits.All(n => n.Attr("split") is null && (n.InputOrNull(1) is not null ^ n.Attr("num_outputs") is not null)));
        var dropout = nodes.Single(n => n.OpType == "Dropout");
        Assert.IsNull(dropout.Attr("ratio"));
        Assert.AreEqual(0.25f, GradientContext.ConstantValue(dropout.Inputs[1])!.ToArray<float>()[0]);
        Assert.AreEqual("output_half_pixel", nodes.Single(n => n.OpType == "RoiAlign").GetString("coordinate_transformation_mode", ""));
        // Last-axis softmaxes keep their node with the axis written out; the others become flatten → softmax → reshape.
        Assert.AreEqual(3, nodes.Count(n => n.OpType == "Flatten"));
        Assert.IsTrue(nodes.Where(n => n.OpType is "Softmax" or "LogSoftmax" or "Hardmax").All(n => n.Attr("axis") is not null));
        Assert.IsGreaterThanOrEqualTo(8L, model.IrVersion);
    }

    [TestMethod]
    public void Model_at_or_above_the_target_is_left_alone()
    {
        var model = Opset11Model();
        int nodes = model.Graph.NodeCount;
        var result = new OpsetUpgrade(11).Run(model);
        Assert.IsFalse(result.Modified);
        Assert.AreEqual(11L, model.DefaultOpset);
        Assert.AreEqual(nodes, model.Graph.NodeCount);
    }

    [TestMethod]
    public void Training_batch_norm_is_refused_by_name()
    {
        var (model, b) = Empty(11);
        var x = model.Graph.AddInput("x", new TensorType(DataType.Float, new Shape(2, 3, 4)));
        var p = Enumerable.Range(0, 4).Select(i => b.Constant(Tensor.Vector(1f, 2f, 3f), $"p{i}")).ToArray();
        var outs = b.Add("", "BatchNormalization", [x, .. p], 5);
        model.Graph.Outputs.Add(outs[0]!);
        var inference = b.Add("", "BatchNormalization", [x, .. p], 1)[0]!.Producer!; // fine at 14
        var opsBefore = model.Graph.NodeCount;

        var e = Assert.ThrowsExactly<OrtTuneException>(() => new OpsetUpgrade().Run(model));

        StringAssert.Contains(e.Message, "BatchNormalization-14");
        StringAssert.Contains(e.Message, $"'{outs[0]!.Producer!.Name}'");
        Assert.IsFalse(e.Message.Contains($"'{inference.Name}'"), "the inference-mode node was named too");
        Assert.AreEqual(11L, model.DefaultOpset, "a refused upgrade must change nothing");
        Assert.AreEqual(opsBefore, model.Graph.NodeCount);
    }

    [TestMethod]
    public void Resize_mode_removed_at_13_is_refused()
    {
        var (model, b) = Empty(11);
        var x = model.Graph.AddInput("x", new TensorType(DataType.Float, new Shape(1, 1, 2, 2)));
        var y = b.Op("Resize", [x, b.Constant(Tensor.Vector<float>(), "roi"), b.Constant(Tensor.Vector(1f, 1f, 2f, 2f), "scales")],
            Attribute.Of("coordinate_transformation_mode", "tf_half_pixel_for_nn"));
        model.Graph.Outputs.Add(y);

        Assert.IsTrue(new OpsetUpgrade(12).Run(model).Modified, "Resize-13 is above the target, so 12 is fine");
        var e = Assert.ThrowsExactly<OrtTuneException>(() => new OpsetUpgrade(13).Run(model));
        StringAssert.Contains(e.Message, "Resize-13");
        StringAssert.Contains(e.Message, "tf_half_pixel_for_nn");
    }

    [TestMethod]
    public void Opsets_outside_the_known_range_are_refused()
    {
        var e = Assert.ThrowsExactly<OrtTuneException>(() => new OpsetUpgrade().Run(Empty(10).Model));
        StringAssert.Contains(e.Message, "opset 10");
        e = Assert.ThrowsExactly<OrtTuneException>(() => new OpsetUpgrade(19).Run(Empty(14).Model));
        StringAssert.Contains(e.Message, "opset 19");
    }

    [TestMethod]
    public void Upgrade_lets_an_embedding_lookup_be_differentiated()
    {
        Model Build()
        {
            var (model, b) = Empty(14);
            var table = model.Graph.AddInput("table", new TensorType(DataType.Float, new Shape(5, 3)));
            var rows = b.Op("Gather", table, b.Constant(Tensor.FromArray(new long[] { 1, 1, 4 }, 3), "ids"));
            var loss = b.Op("ReduceSum", [rows], Attribute.Of("keepdims", 0L));
            model.Graph.Outputs.Add(loss);
            ShapeInference.Run(model);
            return model;
        }
        var old = Build();
        Assert.ThrowsExactly<OrtTuneException>(() => Differentiate(old));

        var upgraded = Build();
        new OpsetUpgrade().Run(upgraded);
        var grad = Differentiate(upgraded);
        upgraded.Graph.Outputs.Add(grad);
        var table = Tensor.FromArray(new float[15], 5, 3);
        var g = OrtHarness.Run(OnnxModelIO.ToBytes(upgraded), new Dictionary<string, Tensor> { ["table"] = table }, [grad.Name])[grad.Name];
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 1 }, g.ToArray<float>());
        Assert.IsFalse(upgraded.Graph.Nodes.Any(n => n.OpType is "OneHot" or "MatMul"), "the gradient should be a scatter, not a dense product");

        static Value Differentiate(Model m)
        {
            var table = m.Graph.Inputs.Single();
            return ReverseMode.Differentiate(m, m.Graph.Outputs[0], [table])[table];
        }
    }

    private static void AssertSameOutputs(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual, string what)
    {
        Assert.IsNotEmpty(expected);
        foreach (var (name, tensor) in expected)
            Assert.IsTrue(tensor.ContentEquals(actual[name]), $"{what}: output '{name}' is not bit-identical after the upgrade");
    }

    private static (Model Model, GraphBuilder Builder) Empty(long opset)
    {
        var model = new Model(new Graph("main")) { IrVersion = 6 };
        model.OpsetImports[""] = opset;
        return (model, new GraphBuilder(model.Graph));
    }

    /// <summary>
    /// One node of every opset-11 form that a later opset changes: softmaxes over inner, last and unknown-rank axes,
    /// Split with sizes and in equal parts, Squeeze/Unsqueeze/Reduce* axes attributes (also inside If branches),
    /// Dropout's ratio attribute, RoiAlign without a coordinate mode.
    /// </summary>
    private static Model Opset11Model()
    {
        var (model, b) = Empty(11);
        var g = model.Graph;
        var x = g.AddInput("x", new TensorType(DataType.Float, new Shape(2, 3, 4)));
        var m = g.AddInput("m", new TensorType(DataType.Float, new Shape(3, 4)));
        var image = g.AddInput("image", new TensorType(DataType.Float, new Shape(1, 1, 4, 4)));
        var cond = g.AddInput("cond", new TensorType(DataType.Bool, Shape.Scalar));
        var outputs = new List<Value?>
        {
            b.Op("Softmax", [x], Attribute.Of("axis", 1L)),
            b.Op("LogSoftmax", x),
            b.Op("Softmax", m),
            b.Op("Hardmax", [x], Attribute.Of("axis", -1L)),
            b.Op("Softmax", [b.Op("Identity", x)], Attribute.Of("axis", 2L)), // input of unknown rank
            b.Op("Squeeze", [b.Op("Unsqueeze", [x], Attribute.Of("axes", new long[] { 0, -1 }))], Attribute.Of("axes", new long[] { 0 })),
            b.Op("ReduceSum", [x], Attribute.Of("axes", new long[] { 1 }), Attribute.Of("keepdims", 0L)),
            b.Op("ReduceMean", [x], Attribute.Of("axes", new long[] { -1 })),
            b.Op("ReduceMax", [x], Attribute.Of("axes", new long[] { 0, 2 })),
            b.Op("ReduceL2", x),
            b.Op("Dropout", [x], Attribute.Of("ratio", 0.25f)),
            b.Op("RoiAlign", [image, b.Constant(Tensor.FromArray(new[] { 0f, 0f, 3f, 3f, 0.5f, 1f, 2.5f, 3.5f }, 2, 4), "rois"),
                    b.Constant(Tensor.Vector(0L, 0L), "batch")],
                Attribute.Of("output_height", 2L), Attribute.Of("output_width", 3L), Attribute.Of("sampling_ratio", 2L)),
        };
        outputs.AddRange(b.Add("", "Split", [x], 2, Attribute.Of("axis", 2L), Attribute.Of("split", new long[] { 1, 3 })));
        outputs.AddRange(b.Add("", "Split", [x], 3, Attribute.Of("axis", 1L)));

        Graph Branch(string name, string op)
        {
            var branch = new Graph(name);
            var y = new GraphBuilder(branch, name + "/").Op(op, [x], Attribute.Of("axes", new long[] { 1 }));
            branch.Outputs.Add(y);
            return branch;
        }
        outputs.Add(b.Op("If", [cond], Attribute.Of("then_branch", Branch("then", "ReduceSum")), Attribute.Of("else_branch", Branch("else", "ReduceMax"))));
        g.Outputs.AddRange(outputs.Select(v => v!));
        return model;
    }

    private static Dictionary<string, Tensor> Opset11Inputs(bool condition) => new()
    {
        ["x"] = Autodiff.GradientCheck.Random(DataType.Float, [2, 3, 4], 1, -3, 3),
        ["m"] = Autodiff.GradientCheck.Random(DataType.Float, [3, 4], 2, -3, 3),
        ["image"] = Autodiff.GradientCheck.Random(DataType.Float, [1, 1, 4, 4], 3),
        ["cond"] = Tensor.Scalar(condition),
    };
}

using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Passes;

/// <summary>After specialisation no dynamic dimension remains and the model computes exactly what it did.</summary>
[TestClass]
public sealed class SpecializationTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Fixture_becomes_static_with_unchanged_outputs(string fixture)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var path = Path.Combine(dir, "model.onnx");
        var inputs = OrtHarness.FixtureInputs(dir);
        var first = inputs.Values.First();
        var model = OnnxModelIO.Load(path);
        int before = model.Graph.NodeCount;

        new Specialization(new SpecializationOptions { Batch = first.Dims[0], Sequence = first.Dims[1] }).Run(model);

        AssertFullyStatic(model);
        Assert.IsLessThan(before, model.Graph.NodeCount, "folding should remove the shape subgraphs");
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.OpType == "Shape"), "a Shape node survived specialisation");
        var expected = OrtHarness.Run(path, inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, tensor) in expected)
            Assert.AreEqual(0.0, OrtHarness.MaxAbsDiff(tensor, actual[name]), 1e-6, $"{fixture}: output '{name}' changed");
        var reference = Npy.Read(Path.Combine(dir, "ref_logits.npy"));
        Assert.AreEqual(0.0, OrtHarness.MaxAbsDiff(reference, actual["logits"]), 1e-5, $"{fixture}: differs from PyTorch");
    }

    [TestMethod]
    public void Stories260K_becomes_static_and_matches_pytorch_logits()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var ids = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy")).ToArray<long>();
        var reference = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_logits.npy"));
        var model = OnnxModelIO.Load(path);

        new Specialization(new SpecializationOptions { Batch = 1, Sequence = ids.Length }).Run(model);

        AssertFullyStatic(model);
        var logits = OrtHarness.Run(OnnxModelIO.ToBytes(model),
            new Dictionary<string, Tensor> { ["input_ids"] = Tensor.FromArray(ids, 1, ids.Length) })["logits"];
        var original = OrtHarness.Run(path, new Dictionary<string, Tensor> { ["input_ids"] = Tensor.FromArray(ids, 1, ids.Length) })["logits"];
        Assert.IsTrue(original.ContentEquals(logits), "specialisation changed stories260K's logits");
        // ONNX Runtime and PyTorch differ in fp32 rounding by ~1.7e-5 on logits of magnitude ~22, before any rewrite;
        // compare with PyTorch relative to the logits' scale.
        double scale = reference.AsSpan<float>().ToArray().Max(Math.Abs);
        Assert.AreEqual(0.0, OrtHarness.MaxAbsDiff(reference, logits) / scale, 1e-5, "stories260K logits differ from PyTorch's");
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Folded_tables_are_constants_not_parameters(string fixture)
    {
        // At seq 64 the llama fixture's RoPE cos/sin tables (computed in-graph) fold to [64, 8] float constants.
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx"));
        long parameters = OrtTune.Graphs.Analysis.ModelSummary.Create(model).ParameterCount;
        new Specialization(new SpecializationOptions { Batch = 2, Sequence = 64 }).Run(model);
        Assert.AreEqual(parameters, OrtTune.Graphs.Analysis.ModelSummary.Create(model).ParameterCount,
            "folding turned computed constants into parameters");
        var dir = TestPaths.TempDirectory("folded");
        try
        {
            // The mark survives saving, and a second specialisation of the saved model still sees the tables as known.
            var path = Path.Combine(dir, "static.onnx");
            OnnxModelIO.Save(model, path);
            var reloaded = OnnxModelIO.Load(path);
            Assert.AreEqual(parameters, OrtTune.Graphs.Analysis.ModelSummary.Create(reloaded).ParameterCount);
            var again = new Specialization(new SpecializationOptions()).Run(reloaded);
            Assert.AreEqual(model.Graph.NodeCount, reloaded.Graph.NodeCount, again.Summary);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Named_dims_can_be_fixed_by_name()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "gpt2", "model.onnx"));
        new Specialization(new SpecializationOptions { Dims = new Dictionary<string, long> { ["batch"] = 3, ["seq"] = 5 } }).Run(model);
        Assert.AreEqual(new Shape(3, 5, 100), model.Graph.Outputs[0].Shape);
    }

    [TestMethod]
    public void A_dimension_left_dynamic_is_a_clear_error()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "gpt2", "model.onnx"));
        var e = Assert.ThrowsExactly<ShapeException>(() => new Specialization(new SpecializationOptions { Batch = 2 }).Run(model));
        Assert.Contains("input_ids", e.Message);
        Assert.Contains("--seq", e.Message);
    }

    private static void AssertFullyStatic(Model model)
    {
        foreach (var v in model.Graph.Inputs.Concat(model.Graph.Outputs))
            Assert.IsTrue(v.Shape is { IsStatic: true }, $"'{v.Name}' is not static: {v.Type}");
        foreach (var node in model.Graph.Nodes)
            foreach (var o in node.Outputs)
                if (o is not null)
                    Assert.IsTrue(o.Shape is { IsStatic: true }, $"'{o.Name}' ({node.QualifiedOpType}) is not static: {o.Type}");
    }
}

using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>
/// The key check of shape inference: with the inputs fixed to a reference batch, every inferred type of every
/// intermediate value equals what ONNX Runtime produces when it runs the model on that batch.
/// </summary>
[TestClass]
public sealed class ShapesMatchOnnxRuntimeTests
{
    public static IEnumerable<object[]> FixtureFiles() =>
        TestPaths.FixtureNames.SelectMany(n => new[] { new object[] { n, "model.onnx" }, [n, "model_train.onnx"] });

    [TestMethod]
    [DynamicData(nameof(FixtureFiles))]
    public void Fixture_shapes_match_onnx_runtime(string fixture, string file)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        AssertShapesMatch(Path.Combine(dir, file), OrtHarness.FixtureInputs(dir), $"{fixture}/{file}");
    }

    [TestMethod]
    public void Stories260K_shapes_match_onnx_runtime()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var ids = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy"));
        var input = Tensor.FromArray(ids.ToArray<long>(), 1, ids.ElementCount);
        AssertShapesMatch(path, new Dictionary<string, Tensor> { ["input_ids"] = input }, "stories260K");
    }

    [TestMethod]
    [DynamicData(nameof(FixtureFiles))]
    public void Fixture_shapes_are_fully_symbolic_with_dynamic_axes(string fixture, string file)
    {
        // Without fixing the batch, every dim is still a size or a named axis: the shape subgraphs were followed.
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, fixture, file));

        AssertFullySymbolic(model, $"{fixture}/{file}");
    }

    [TestMethod]
    public void Stories260K_shapes_are_fully_symbolic_with_dynamic_axes()
    {
        var model = OnnxModelIO.Load(TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx"));

        AssertFullySymbolic(model, "stories260K");

        Assert.AreEqual(TensorShape("batch", "seq", 512L), model.Graph.Outputs.Single(o => o.Name == "logits").Shape);
    }

    private static void AssertFullySymbolic(Model model, string label)
    {
        var result = ShapeInference.Run(model);

        Assert.IsEmpty(result.Unresolved, $"{label}: {string.Join("; ", result.Unresolved.Take(10))}");
        var logits = model.Graph.Outputs.Single(o => o.Name == "logits");
        Assert.AreEqual(Dim.Named("batch"), logits.Shape![0], $"{label}: logits {logits.Shape}");
    }

    private static Shape TensorShape(params object[] dims) =>
        new(dims.Select(d => d is string s ? Dim.Named(s) : Dim.Known((long)d)));

    private static void AssertShapesMatch(string path, Dictionary<string, Tensor> inputs, string label)
    {
        var model = OnnxModelIO.Load(path);
        foreach (var input in model.Graph.Inputs)
            if (inputs.TryGetValue(input.Name, out var batch)) input.Type = new TensorType(batch.DataType, batch.Shape);

        var result = ShapeInference.Run(model);
        Assert.IsEmpty(result.Unresolved, $"{label}: unresolved: {string.Join("; ", result.Unresolved.Take(10))}");

        // Expose every intermediate value, run the model, and compare each runtime tensor with its inferred type.
        var values = model.Graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>().ToList();
        foreach (var v in values)
            if (!model.Graph.Outputs.Contains(v)) model.Graph.Outputs.Add(v);
        var dir = TestPaths.TempDirectory("shapes-vs-ort");
        try
        {
            var saved = Path.Combine(dir, "model.onnx");
            OnnxModelIO.Save(model, saved);
            var actual = OrtHarness.Run(saved, inputs, values.Select(v => v.Name));

            var mismatches = new List<string>();
            foreach (var v in values)
            {
                var runtime = actual[v.Name];
                var expected = new TensorType(runtime.DataType, runtime.Shape);
                if (!Equals(v.Type, expected))
                    mismatches.Add($"'{v.Name}' ({v.Producer!.OpType}): inferred {v.Type?.ToString() ?? "?"}, runtime {expected}");
                // Values inference computed must be the ones the runtime computes (Dropout is random, so not those).
                if (result.KnownValues.TryGetValue(v, out var known) && !SameValues(known, runtime))
                    mismatches.Add($"'{v.Name}' ({v.Producer!.OpType}): computed value differs from the runtime's");
            }
            Assert.IsEmpty(mismatches, $"{label}: {mismatches.Count} of {values.Count} values differ:\n{string.Join("\n", mismatches.Take(20))}");
            Assert.IsGreaterThan(100, values.Count, $"{label}: expected a real model");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Exact for integers and bools; float kernels may round differently from ORT's in the last bits.</summary>
    private static bool SameValues(Tensor computed, Tensor runtime)
    {
        if (computed.DataType != runtime.DataType || !computed.Dims.SequenceEqual(runtime.Dims)) return false;
        if (computed.DataType != DataType.Float) return computed.ContentEquals(runtime);
        var a = computed.AsSpan<float>();
        var b = runtime.AsSpan<float>();
        for (int i = 0; i < a.Length; i++)
            if (Math.Abs(a[i] - b[i]) > 1e-5f * Math.Max(1f, Math.Abs(b[i]))) return false;
        return true;
    }
}

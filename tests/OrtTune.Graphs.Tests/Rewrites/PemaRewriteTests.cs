using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// The PEMA rewrite: with the ids remapped, every fixture (untied and tied embeddings) and the pretrained stories260K
/// compute exactly what the original model computes; the embedding holds only the kept rows; and the cases that
/// PEMA cannot handle are refused with the reason.
/// </summary>
[TestClass]
public sealed class PemaRewriteTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void With_remapped_ids_the_model_computes_the_original_outputs(string fixture)
    {
        var path = Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");
        AssertSameOutputs(path, OrtHarness.FixtureInputs(Path.GetDirectoryName(path)!), fixture);
    }

    [TestMethod]
    public void Stories260K_with_its_tied_head_computes_the_original_logits()
    {
        var dir = TestPaths.RequireShared("data", "models", "stories260K");
        var flat = Npy.Read(Path.Combine(dir, "ref_ids.npy")).ToInt64Array();
        var ids = Tensor.FromArray(flat, 1, flat.Length); // saved without the batch axis
        var result = AssertSameOutputs(Path.Combine(dir, "stories260K.onnx"), new Dictionary<string, Tensor> { ["input_ids"] = ids }, "stories260K");
        Assert.IsTrue(result.Tied);
        Assert.AreEqual("tok.weight", result.Embedding);
    }

    private static PemaRewrite.Result AssertSameOutputs(string path, Dictionary<string, Tensor> inputs, string what)
    {
        var expected = OrtHarness.Run(path, inputs);
        var ids = inputs["input_ids"].ToInt64Array();
        var model = OnnxModelIO.Load(path);
        var result = PemaRewrite.Apply(model, new PemaOptions { UsedIds = ids, KeepIds = [0] });
        CollectionAssert.AreEqual(ids.Append(0).Distinct().Order().ToArray(), result.UsedIds);
        var embedding = model.Graph.FindInitializer(result.Embedding)!;
        CollectionAssert.AreEqual(new[] { (long)result.UsedIds.Length, result.Dim }, embedding.Initializer!.Dims.ToArray(), "only the kept rows remain");
        Assert.IsLessThan(result.FullSize, (long)result.UsedIds.Length);

        var compact = ids.Select(id => (long)Array.BinarySearch(result.UsedIds, id)).ToArray();
        var remapped = new Dictionary<string, Tensor>(inputs) { ["input_ids"] = Tensor.FromArray(compact, inputs["input_ids"].Dims.ToArray()) };
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), remapped);
        foreach (var (name, tensor) in expected)
            Assert.AreEqual(0.0, OrtHarness.MaxAbsDiff(tensor, actual[name]), $"{what}: '{name}' changed (the same rows are read, so it must be exact)");
        return result;
    }

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void Restoring_gives_a_full_vocabulary_model_that_computes_what_the_trained_compact_one_computes(string fixture)
    {
        var path = Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");
        var inputs = OrtHarness.FixtureInputs(Path.GetDirectoryName(path)!);
        var ids = inputs["input_ids"].ToInt64Array();
        var model = OnnxModelIO.Load(path);
        var result = PemaRewrite.Apply(model, new PemaOptions { UsedIds = ids });
        // "Training": move every kept row, so a row scattered to the wrong id would show.
        var embedding = model.Graph.FindInitializer(result.Embedding)!;
        var trained = embedding.Initializer!.ToArray<float>().Select((v, i) => v + 0.05f * ((i % 7) - 3)).ToArray();
        model.Graph.RemoveInitializer(embedding);
        model.Graph.AddInitializer(embedding, Tensor.FromArray(trained, result.UsedIds.Length, result.Dim));
        var compactIds = ids.Select(id => (long)Array.BinarySearch(result.UsedIds, id)).ToArray();
        var expected = OrtHarness.Run(OnnxModelIO.ToBytes(model),
            new Dictionary<string, Tensor>(inputs) { ["input_ids"] = Tensor.FromArray(compactIds, inputs["input_ids"].Dims.ToArray()) });

        var spec = new OrtTune.Artifacts.Manifest.VocabularySpec { Embedding = result.Embedding, FullSize = result.FullSize, Dim = result.Dim, UsedIds = result.UsedIds, Tied = result.Tied };
        var original = OrtTune.Artifacts.Checkpoints.NamedTensor.FromRawData(result.Embedding, OrtTune.Artifacts.Checkpoints.TensorElementType.Float,
            result.Original.Dims.ToArray(), result.Original.RawBytes);
        PemaRestore.Apply(model, spec, original);
        var restored = model.Graph.FindInitializer(result.Embedding)!.Initializer!;
        CollectionAssert.AreEqual(new[] { result.FullSize, result.Dim }, restored.Dims.ToArray());
        Assert.IsFalse(model.Graph.Nodes.Any(n => n.Name.StartsWith("pema/", StringComparison.Ordinal)), "the tied head reads the full matrix directly");
        Assert.IsFalse(model.Graph.Initializers.Any(v => v.Name.Contains(PemaRewrite.UnusedSuffix, StringComparison.Ordinal)));
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, tensor) in expected)
            Assert.AreEqual(0.0, OrtHarness.MaxAbsDiff(tensor, actual[name]), $"{fixture}: '{name}'");
        // Unused rows are the pretrained ones.
        var before = result.Original.AsSpan<float>();
        var after = restored.AsSpan<float>();
        int d = (int)result.Dim;
        for (long id = 0; id < result.FullSize; id++)
            if (Array.BinarySearch(result.UsedIds, id) < 0)
                Assert.IsTrue(before.Slice((int)id * d, d).SequenceEqual(after.Slice((int)id * d, d)), $"unused row {id}");
    }

    [TestMethod]
    public void An_id_outside_the_embedding_is_refused()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var error = Assert.ThrowsExactly<OrtTuneException>(() => PemaRewrite.Apply(model, new PemaOptions { UsedIds = [3, 100] }));
        StringAssert.Contains(error.Message, "token id 100 is outside the embedding 'model.embed_tokens.weight' (100 rows)");
        Assert.AreEqual(100, model.Graph.FindInitializer("model.embed_tokens.weight")!.Initializer!.Dims[0], "a refused rewrite changes nothing");
    }

    [TestMethod]
    public void A_model_without_the_ids_input_is_refused()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var error = Assert.ThrowsExactly<OrtTuneException>(() => PemaRewrite.Apply(model, new PemaOptions { UsedIds = [1], Input = "tokens" }));
        StringAssert.Contains(error.Message, "no input 'tokens'; inputs: input_ids");
    }

    [TestMethod]
    public void Ids_read_for_their_values_elsewhere_are_refused()
    {
        // input_ids → Gather(E) and also Equal(input_ids, 0) (a padding mask computed from the ids): compact ids would change the mask.
        var graph = new Graph("mask-from-ids");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = 17;
        var b = new GraphBuilder(graph);
        var ids = graph.AddInput("input_ids", new TensorType(DataType.Int64, new Shape(1, 4)));
        var rows = b.Op("Gather", [graph.AddInitializer("E", Tensor.FromArray(new float[10 * 3], 10, 3)), ids], Attribute.Of("axis", 0L));
        var mask = b.Op("Equal", ids, b.Scalar(0L));
        graph.Outputs.Add(rows);
        graph.Outputs.Add(mask);
        ShapeInference.Run(model);
        var error = Assert.ThrowsExactly<OrtTuneException>(() => PemaRewrite.Apply(model, new PemaOptions { UsedIds = [1, 2] }));
        StringAssert.Contains(error.Message, "(Equal) reads the values of 'input_ids'");
    }
}

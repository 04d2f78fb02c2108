using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// The LoRA rewrite leaves each fixture's outputs unchanged while B = 0, and merging adapters back gives a plain
/// model that computes what the adapter model computes; spec parsing and the errors users meet.
/// </summary>
[TestClass]
public sealed class LoraTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    /// <summary>Every linear weight of each fixture (the tied GPT-2 embedding is not a linear layer only, so it stays out).</summary>
    private static LoraOptions AllLinear(string fixture) => new()
    {
        Rank = 4,
        Targets = fixture switch
        {
            "gpt2" => ["h.*.weight"],
            "llama" => ["*_proj.weight", "lm_head.weight"],
            _ => ["layers.*.weight", "pooler.weight", "classifier.weight"],
        },
    };

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void With_zero_B_the_adapter_model_computes_the_original_outputs(string fixture)
    {
        var path = Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");
        var inputs = OrtHarness.FixtureInputs(Path.GetDirectoryName(path)!);
        var expected = OrtHarness.Run(path, inputs);

        foreach (var options in new[] { new LoraOptions(), AllLinear(fixture) })
        {
            var model = OnnxModelIO.Load(path);
            var result = LoraRewrite.Apply(model, options, training: false);
            Assert.HasCount(2 * result.BaseWeights.Count, result.Adapters);
            var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
            CollectionAssert.AreEquivalent(expected.Keys.ToList(), actual.Keys.ToList(), "the model's outputs changed");
            foreach (var (name, tensor) in expected)
                Assert.IsLessThanOrEqualTo(1e-6, OrtHarness.MaxAbsDiff(tensor, actual[name]), $"{fixture} [{string.Join("|", options.Targets)}]: '{name}'");
        }
    }

    [TestMethod]
    public void Adapters_have_the_layer_shapes_and_the_PEFT_initialisation()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var result = LoraRewrite.Apply(model, new LoraOptions(), training: false);
        // Defaults: q_proj and v_proj of both layers; v_proj has 2 KV heads of 8, so 16 outputs.
        CollectionAssert.AreEqual(new[]
        {
            "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.v_proj.weight",
            "model.layers.1.self_attn.q_proj.weight", "model.layers.1.self_attn.v_proj.weight",
        }, result.BaseWeights.ToArray());
        Assert.IsEmpty(result.Biases);
        var graph = model.Graph;
        var a = graph.FindInitializer("model.layers.0.self_attn.v_proj.weight.lora_A")!.Initializer!;
        var b = graph.FindInitializer("model.layers.0.self_attn.v_proj.weight.lora_B")!.Initializer!;
        CollectionAssert.AreEqual(new long[] { 8, 32 }, a.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 16, 8 }, b.Dims.ToArray());
        Assert.IsTrue(b.ToArray<float>().All(v => v == 0), "B starts at zero");
        var values = a.ToArray<float>();
        float bound = 1 / MathF.Sqrt(32);
        Assert.IsTrue(values.All(v => Math.Abs(v) <= bound), "A ~ U(-1/sqrt(in), 1/sqrt(in))");
        Assert.IsGreaterThan(bound * 0.9f, values.Max(Math.Abs));
        Assert.IsFalse(graph.AllNodes().Any(n => n.OpType == "Dropout"), "the eval form has no Dropout");

        // Seeded: the same seed gives the same A; another seed another.
        var again = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        LoraRewrite.Apply(again, new LoraOptions(), training: false);
        Assert.IsTrue(a.ContentEquals(again.Graph.FindInitializer("model.layers.0.self_attn.v_proj.weight.lora_A")!.Initializer!));
        var other = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        LoraRewrite.Apply(other, new LoraOptions { Seed = 1 }, training: false);
        Assert.IsFalse(a.ContentEquals(other.Graph.FindInitializer("model.layers.0.self_attn.v_proj.weight.lora_A")!.Initializer!));
    }

    [TestMethod]
    public void Training_form_adds_a_training_mode_dropout_with_a_mask_and_biases_train_when_asked()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "bert_opset17", "model.onnx"));
        var result = LoraRewrite.Apply(model, new LoraOptions { Dropout = 0.1, TrainBiases = true }, training: true);
        var dropouts = model.Graph.Nodes.Where(n => n.OpType == "Dropout" && n.Name.StartsWith("lora/", StringComparison.Ordinal)).ToList();
        Assert.HasCount(4, dropouts);
        foreach (var d in dropouts)
        {
            Assert.HasCount(2, d.Outputs, "the mask output exists");
            Assert.IsTrue(d.Inputs[2]!.Initializer!.ToArray<bool>()[0], "training_mode = true");
            Assert.AreEqual(0.1f, d.Inputs[1]!.Initializer!.ToArray<float>()[0], 1e-7f);
        }
        CollectionAssert.AreEqual(new[] { "layers.0.query.bias", "layers.0.value.bias", "layers.1.query.bias", "layers.1.value.bias" }, result.Biases.ToArray());
        Assert.HasCount(12, result.Trainable);
        var (trainable, frozen) = result.Split(model.Graph);
        CollectionAssert.AreEqual(result.Trainable.ToArray(), trainable.Select(v => v.Name).ToArray());
        Assert.IsTrue(frozen.Any(v => v.Name == "layers.0.query.weight"));
        Assert.IsFalse(frozen.Any(v => v.Name.Contains(".lora_", StringComparison.Ordinal)));
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Merging_trained_adapters_gives_a_plain_model_with_the_adapter_outputs(string fixture)
    {
        var path = Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");
        var inputs = OrtHarness.FixtureInputs(Path.GetDirectoryName(path)!);
        var options = AllLinear(fixture) with { Alpha = 3 };
        var adapter = OnnxModelIO.Load(path);
        var result = LoraRewrite.Apply(adapter, options, training: false);
        // Stand-ins for trained values: B random, so every layer's update is non-zero.
        var random = new Random(5);
        var trained = new Dictionary<string, Tensor>();
        foreach (var name in result.Adapters)
        {
            var t = adapter.Graph.FindInitializer(name)!.Initializer!;
            trained[name] = name.EndsWith(LoraRewrite.BSuffix, StringComparison.Ordinal)
                ? Tensor.FromArray(Enumerable.Range(0, (int)t.ElementCount).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray(), t.Dims.ToArray())
                : t;
            adapter.Graph.FindInitializer(name)!.Initializer = trained[name];
        }
        var adapterBytes = OnnxModelIO.ToBytes(adapter);
        var expected = OrtHarness.Run(adapterBytes, inputs);
        var original = OrtHarness.Run(path, inputs);

        // Into the adapter model itself (its branches go) and into a fresh copy of the original model.
        foreach (var merged in new[] { LoraMerge.Apply(OnnxModelIO.Load(adapterBytes), trained, options), LoraMerge.Apply(OnnxModelIO.Load(path), trained, options) })
        {
            var plain = OnnxModelIO.Load(path).Graph;
            var graph = merged.Graph;
            CollectionAssert.AreEqual(plain.Inputs.Select(v => v.Name).ToArray(), graph.Inputs.Select(v => v.Name).ToArray());
            CollectionAssert.AreEqual(plain.Outputs.Select(v => v.Name).ToArray(), graph.Outputs.Select(v => v.Name).ToArray());
            CollectionAssert.AreEquivalent(plain.Initializers.Select(v => v.Name).ToArray(), graph.Initializers.Select(v => v.Name).ToArray());
            Assert.AreEqual(plain.NodeCount, graph.NodeCount, "the branches are gone");
            var actual = OrtHarness.Run(OnnxModelIO.ToBytes(merged), inputs);
            foreach (var (name, tensor) in expected)
            {
                Assert.IsLessThanOrEqualTo(1e-5, OrtHarness.MaxAbsDiff(tensor, actual[name]), $"{fixture}: merged '{name}' differs from the adapter model");
                Assert.IsGreaterThan(1e-4, OrtHarness.MaxAbsDiff(original[name], actual[name]), $"{fixture}: the update changed nothing");
            }
        }
    }

    /// <summary>x → MatMul(x, W1 [4,3]) → Gemm(·, W2 [3,5], c, alpha 0.5, transB 0) → Gemm(·, W3 [6,5], transB 1): the layouts the fixtures lack.</summary>
    private static Model SmallModel()
    {
        var graph = new Graph("small");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = 17;
        var random = new Random(3);
        Tensor Rand(params long[] dims) => Tensor.FromArray(Enumerable.Range(0, (int)dims.Aggregate(1L, (p, d) => p * d)).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(), dims);
        var b = new GraphBuilder(graph);
        var x = graph.AddInput("x", new TensorType(DataType.Float, new Shape(2, 4)));
        var h = b.Op("MatMul", x, graph.AddInitializer("W1", Rand(4, 3)));
        var g = b.Op("Gemm", [h, graph.AddInitializer("W2", Rand(3, 5)), graph.AddInitializer("c2", Rand(5))], Attribute.Of("alpha", 0.5f));
        var y = b.Op("Gemm", [g, graph.AddInitializer("W3", Rand(6, 5))], Attribute.Of("transB", 1L));
        graph.Outputs.Add(y);
        ShapeInference.Run(model);
        return model;
    }

    [TestMethod]
    public void MatMul_and_Gemm_layouts_merge_back_exactly()
    {
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromArray(new[] { 1f, -2, 0.5f, 3, 0.25f, 1, -1, 2 }, 2, 4) };
        var options = new LoraOptions { Rank = 2, Alpha = 5, Targets = ["W?"], TrainBiases = true };
        var adapter = SmallModel();
        string output = adapter.Graph.Outputs[0].Name;
        var expectedBase = OrtHarness.Run(OnnxModelIO.ToBytes(adapter), inputs)[output];
        var result = LoraRewrite.Apply(adapter, options, training: false);
        CollectionAssert.AreEqual(new[] { "c2" }, result.Biases.ToArray());
        Assert.AreEqual(output, adapter.Graph.Outputs[0].Name, "the graph output keeps its name");
        CollectionAssert.AreEqual(new long[] { 2, 4 }, adapter.Graph.FindInitializer("W1.lora_A")!.Initializer!.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 2 }, adapter.Graph.FindInitializer("W1.lora_B")!.Initializer!.Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 6, 2 }, adapter.Graph.FindInitializer("W3.lora_B")!.Initializer!.Dims.ToArray());
        Assert.IsLessThanOrEqualTo(1e-6, OrtHarness.MaxAbsDiff(expectedBase, OrtHarness.Run(OnnxModelIO.ToBytes(adapter), inputs)[output]));

        var random = new Random(9);
        var trained = new Dictionary<string, Tensor> { ["c2"] = Tensor.FromArray(new[] { 1f, 2, 3, 4, 5 }, 5) };
        foreach (var name in result.Adapters.Where(n => n.EndsWith(LoraRewrite.BSuffix, StringComparison.Ordinal)))
        {
            var init = adapter.Graph.FindInitializer(name)!;
            trained[name] = Tensor.FromArray(Enumerable.Range(0, (int)init.Initializer!.ElementCount).Select(_ => (float)random.NextDouble()).ToArray(), init.Initializer.Dims.ToArray());
            init.Initializer = trained[name];
        }
        adapter.Graph.FindInitializer("c2")!.Initializer = trained["c2"];
        var expected = OrtHarness.Run(OnnxModelIO.ToBytes(adapter), inputs)[output];

        // The original model, A from the adapter model's own initializers: only B and the bias are "trained" here.
        var merged = SmallModel();
        foreach (var name in result.Adapters.Where(n => n.EndsWith(LoraRewrite.ASuffix, StringComparison.Ordinal)))
            trained[name] = adapter.Graph.FindInitializer(name)!.Initializer!;
        LoraMerge.Apply(merged, trained, options);
        Assert.AreEqual(3, merged.Graph.NodeCount);
        Assert.IsLessThanOrEqualTo(1e-5, OrtHarness.MaxAbsDiff(expected, OrtHarness.Run(OnnxModelIO.ToBytes(merged), inputs)[output]));
        Assert.IsGreaterThan(1e-2, OrtHarness.MaxAbsDiff(expectedBase, expected));
    }

    [TestMethod]
    public void Specs_parse_with_defaults_and_round_trip()
    {
        var d = LoraOptions.Parse("lora");
        Assert.AreEqual(8, d.Rank);
        Assert.AreEqual(16.0, d.Alpha);
        Assert.AreEqual(2.0, d.Scale);
        Assert.AreEqual(0.0, d.Dropout);
        Assert.IsFalse(d.TrainBiases);
        Assert.IsTrue(d.UsesDefaultTargets);

        var o = LoraOptions.Parse("lora:r=4,alpha=8,dropout=0.05,targets=*q_proj*|*v_proj*");
        Assert.AreEqual(4, o.Rank);
        Assert.AreEqual(8.0, o.Alpha);
        Assert.AreEqual(0.05, o.Dropout);
        CollectionAssert.AreEqual(new[] { "*q_proj*", "*v_proj*" }, o.Targets.ToArray());
        Assert.IsFalse(o.UsesDefaultTargets);

        var full = LoraOptions.Parse(" LoRA:rank=16, alpha=32.5, seed=7, bias=true, targets=a.*|b? ");
        Assert.AreEqual(16, full.Rank);
        Assert.AreEqual(32.5, full.Alpha);
        Assert.AreEqual(7, full.Seed);
        Assert.IsTrue(full.TrainBiases);
        var back = LoraOptions.FromSettings(full.ToSettings());
        Assert.AreEqual(full.ToSpec(), back.ToSpec());
        Assert.AreEqual("2.03125", full.ToSettings()["scale"]);
    }

    [TestMethod]
    [DataRow("lorax", "not a LoRA spec")]
    [DataRow("lora:r", "KEY=VALUE")]
    [DataRow("lora:r=0", "rank must be at least 1")]
    [DataRow("lora:r=two", "r must be an integer")]
    [DataRow("lora:alpha=-1", "alpha must be a positive")]
    [DataRow("lora:dropout=1", "dropout must be in [0, 1)")]
    [DataRow("lora:dropout=x", "dropout must be a number")]
    [DataRow("lora:targets=", "non-empty target")]
    [DataRow("lora:r=4,r=8", "'r' is given twice")]
    [DataRow("lora:bias=maybe", "bias must be true or false")]
    [DataRow("lora:rnak=4", "unknown key 'rnak'")]
    public void Bad_specs_are_clear_errors(string spec, string message)
    {
        var e = Assert.ThrowsExactly<OrtTuneException>(() => LoraOptions.Parse(spec));
        Assert.Contains(message, e.Message);
    }

    [TestMethod]
    public void A_target_that_matches_nothing_lists_the_candidate_weights()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var e = Assert.ThrowsExactly<OrtTuneException>(() => LoraRewrite.Apply(model, new LoraOptions { Targets = ["*q_proj*", "*query*"] }, training: true));
        Assert.Contains("'*query*' matches no weight", e.Message);
        Assert.Contains("model.layers.0.self_attn.k_proj.weight", e.Message);

        var small = SmallModel();
        e = Assert.ThrowsExactly<OrtTuneException>(() => LoraRewrite.Apply(small, new LoraOptions(), training: true));
        Assert.Contains("None of the default LoRA targets", e.Message);
        Assert.Contains("W1, W2, W3", e.Message);
    }

    [TestMethod]
    public void A_target_that_is_not_a_linear_layer_is_named()
    {
        // GPT-2's tied wte.weight feeds a Gather (the embedding) besides the LM head.
        var gpt2 = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "gpt2", "model.onnx"));
        var e = Assert.ThrowsExactly<OrtTuneException>(() => LoraRewrite.Apply(gpt2, new LoraOptions { Targets = ["wte.weight"] }, training: false));
        Assert.Contains("'wte.weight' is not used as a linear layer", e.Message);
        Assert.Contains("Gather", e.Message);

        var llama = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        e = Assert.ThrowsExactly<OrtTuneException>(() => LoraRewrite.Apply(llama, new LoraOptions { Targets = ["*"] }, training: false));
        Assert.Contains("'model.embed_tokens.weight' is not used as a linear layer", e.Message);
    }

    [TestMethod]
    public void Applying_twice_and_merging_foreign_adapters_are_errors()
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        LoraRewrite.Apply(model, new LoraOptions(), training: false);
        var e = Assert.ThrowsExactly<OrtTuneException>(() => LoraRewrite.Apply(model, new LoraOptions(), training: false));
        Assert.Contains("apply LoRA once", e.Message);

        var plain = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"));
        var a = Tensor.FromArray(new float[4 * 32], 4, 32);
        var b = Tensor.FromArray(new float[32 * 4], 32, 4);
        e = Assert.ThrowsExactly<OrtTuneException>(() => LoraMerge.Apply(plain,
            new Dictionary<string, Tensor> { ["model.layers.0.self_attn.q_proj.weight.lora_A"] = a, ["model.layers.0.self_attn.q_proj.weight.lora_B"] = b }, new LoraOptions()));
        Assert.Contains("rank 4", e.Message);
        e = Assert.ThrowsExactly<OrtTuneException>(() => LoraMerge.Apply(plain,
            new Dictionary<string, Tensor> { ["no.such.weight.lora_A"] = a, ["no.such.weight.lora_B"] = b }, new LoraOptions { Rank = 4 }));
        Assert.Contains("'no.such.weight'", e.Message);
        e = Assert.ThrowsExactly<OrtTuneException>(() => LoraMerge.Apply(plain,
            new Dictionary<string, Tensor> { ["model.layers.0.self_attn.q_proj.weight.lora_A"] = a }, new LoraOptions { Rank = 4 }));
        Assert.Contains("lora_B", e.Message);
    }
}

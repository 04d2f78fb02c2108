using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.Passes;

/// <summary>
/// Frozen weights held in int8: the matrices MatMul/Gemm read and the tables Gather reads become int8 with per-channel
/// scales, the forward stays close to the float model's and equals exactly the float model holding the dequantized
/// values (what <see cref="FrozenWeightQuantization.Restore"/> writes for exports), and LoRA trains against that
/// model: the same loss and adapter gradients, with every backward reader dequantizing on its own.
/// </summary>
[TestClass]
public sealed class FrozenWeightQuantizationTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    /// <summary>The fixtures' matrices are 32×32 to 100×32: a lower bar than the default so that they quantize.</summary>
    private static readonly FrozenWeightQuantizationOptions Options = new() { MinElements = 1000 };

    private static Model Specialized(string fixture, out Dictionary<string, Tensor> inputs)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        inputs = OrtHarness.FixtureInputs(dir);
        var model = OnnxModelIO.Load(Path.Combine(dir, "model.onnx"));
        var ids = inputs["input_ids"];
        new Specialization(new SpecializationOptions { Batch = ids.Dims[0], Sequence = ids.Dims[1] }).Run(model);
        WeightTransposeFolding.Apply(model.Graph);
        return model;
    }

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Weights_are_held_in_int8_and_the_forward_equals_the_dequantized_float_model(string fixture)
    {
        var model = Specialized(fixture, out var inputs);
        var floatBytes = OnnxModelIO.ToBytes(model);
        long before = model.Graph.Initializers.Sum(v => v.Initializer!.ByteLength);

        var quantized = FrozenWeightQuantization.Apply(model, Options);

        var graph = model.Graph;
        Assert.IsNotEmpty(quantized);
        foreach (var name in quantized) Assert.IsNull(graph.FindInitializer(name), $"'{name}' is no longer stored in float");
        Assert.IsTrue(graph.Initializers.Any(v => v.Initializer!.DataType == DataType.Int8));
        // GPT-2's tied token embedding (read by Gather and by the LM head) stays float; its position table is gathered in int8.
        Assert.IsTrue(graph.Nodes.Any(n => n.OpType == "Gather" && n.Inputs[0] is { Initializer.DataType: DataType.Int8 }), "a table is gathered in int8");
        if (fixture == "gpt2") Assert.IsNotNull(graph.FindInitializer("transformer.wte.weight") ?? graph.Initializers.FirstOrDefault(v => v.Name.Contains("wte", StringComparison.Ordinal)),
            "the tied embedding stays float");
        long after = graph.Initializers.Sum(v => v.Initializer!.ByteLength);
        Console.WriteLine($"{fixture}: {quantized.Count} weights in int8, initializers {before} → {after} bytes");
        Assert.IsLessThan(before * 0.6, (double)after, "the matrices take about a quarter of their float bytes");

        var expected = OrtHarness.Run(floatBytes, inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, value) in expected)
        {
            double scale = value.ToArray<float>().Max(Math.Abs);
            double error = OrtHarness.MaxAbsDiff(value, actual[name]);
            Console.WriteLine($"{fixture} '{name}': max |int8 − float| {error:G3} (largest output {scale:G3})");
            Assert.IsLessThanOrEqualTo(0.05 * scale, error, $"{fixture}: '{name}' moved too far from the float model");
        }

        // Restore gives the float model of the dequantized values: the same outputs, no int8 left, the original names.
        int restored = FrozenWeightQuantization.Restore(model);
        Assert.AreEqual(quantized.Count, restored);
        Assert.IsFalse(graph.Initializers.Any(v => v.Initializer!.DataType == DataType.Int8));
        Assert.IsFalse(graph.Nodes.Any(n => n.OpType == "DequantizeLinear"));
        foreach (var name in quantized) Assert.IsNotNull(graph.FindInitializer(name), $"'{name}' is back under its name");
        var back = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, value) in actual)
            Assert.IsLessThanOrEqualTo(1e-5, OrtHarness.MaxAbsDiff(value, back[name]), $"{fixture}: '{name}' after Restore");
    }

    [TestMethod]
    public void Rounding_is_symmetric_per_output_channel()
    {
        var graph = new Graph();
        var model = new Model(graph) { OpsetImports = { [""] = 17 } };
        var x = graph.AddInput("x", new TensorType(DataType.Float, new Shape(1, 2)));
        // Column 0 spans ±2.54, column 1 ±0.127, column 2 is all zero: three scales, and a zero column stays zero.
        var w = graph.AddInitializer("w", Tensor.FromArray(new[] { 2.54f, 0.127f, 0f, -1.0f, 0.05f, 0f }, 2, 3));
        var y = new GraphBuilder(graph).Op("MatMul", x, w);
        y.Type = new TensorType(DataType.Float, new Shape(1, 3));
        graph.Outputs.Add(y);

        CollectionAssert.AreEqual(new[] { "w" }, FrozenWeightQuantization.Apply(model, new FrozenWeightQuantizationOptions { MinElements = 1 }).ToArray());
        var dq = graph.Nodes.Single(n => n.OpType == "DequantizeLinear");
        Assert.AreEqual(1L, dq.GetInt("axis", -1), "MatMul's weight is [in, out]: one scale per column");
        CollectionAssert.AreEqual(new sbyte[] { 127, 127, 0, -50, 50, 0 }, dq.Inputs[0]!.Initializer!.ToArray<sbyte>());
        var scales = dq.Inputs[1]!.Initializer!.ToArray<float>();
        Assert.AreEqual(0.02f, scales[0], 1e-7f);
        Assert.AreEqual(0.001f, scales[1], 1e-9f);
        Assert.AreEqual(1f, scales[2], "an all-zero channel gets scale 1, not 0");
    }

    [TestMethod]
    [DataRow("llama", null)]
    [DataRow("llama", 0.5)]
    [DataRow("bert_opset17", null)]
    public void Lora_trains_against_the_dequantized_weights(string fixture, double? tokenTuneRatio)
    {
        // The reference: the float model holding exactly the dequantized weights, trained without quantization.
        var reference = Specialized(fixture, out _);
        FrozenWeightQuantization.Apply(reference, Options);
        FrozenWeightQuantization.Restore(reference);
        var referencePath = Path.Combine(Path.GetTempPath(), $"orttune-int8-ref-{Guid.NewGuid():N}.onnx");
        OnnxModelIO.Save(reference, referencePath);
        try
        {
            var c = TokenTuneTests.FixtureCase(fixture);
            var lora = new LoraOptions { Rank = 4 };
            TokenTuneOptions? tokenTune = tokenTuneRatio is { } p ? new TokenTuneOptions { Ratio = p } : null;
            var selection = tokenTune is null ? ((Tensor, Tensor)?)null
                : TokenTuneTests.RandomSelection(c, tokenTune.SelectedCount(c.Sequence, c.Decoder), seed: 4);
            var (plain, expected) = TokenTuneTests.Train(c with { Path = referencePath }, tokenTune, selection, lora);
            var (int8, actual) = TokenTuneTests.Train(c, tokenTune, selection, lora, Options);

            Assert.IsTrue(int8.Model.Graph.Initializers.Any(v => v.Initializer!.DataType == DataType.Int8), "the training graph holds int8 weights");
            Assert.AreEqual(expected[plain.LossName].ToArray<float>()[0], actual[int8.LossName].ToArray<float>()[0], 1e-5f, "loss");
            CollectionAssert.AreEquivalent(plain.GradientNames.Keys.ToList(), int8.GradientNames.Keys.ToList());
            double largest = plain.GradientNames.Values.Max(g => expected[g].ToArray<float>().Max(Math.Abs));
            foreach (var (parameter, gradient) in plain.GradientNames)
            {
                double error = OrtHarness.MaxAbsDiff(expected[gradient], actual[int8.GradientNames[parameter]]);
                Assert.IsLessThanOrEqualTo(1e-5, error / largest, $"'{parameter}': max error {error:G3} (largest gradient {largest:G3})");
            }

            // Each backward reader of a dequantized weight has its own DequantizeLinear (no float copy lives from the
            // forward to the backward): a DequantizeLinear output read by a gradient node comes from a node of its own.
            var graph = int8.Model.Graph;
            var dequantizers = graph.Nodes.Where(n => n.OpType == "DequantizeLinear").ToList();
            Assert.IsTrue(dequantizers.Any(n => n.Name.EndsWith("_again", StringComparison.Ordinal)), "the backward dequantizes again");
            foreach (var dq in dequantizers)
            {
                var readers = dq.Outputs[0]!.Uses.Select(u => u.Node).Distinct().ToList();
                bool backward = dq.Name.EndsWith("_again", StringComparison.Ordinal);
                if (backward) Assert.HasCount(1, readers, $"'{dq.Name}' serves one backward node");
                else Assert.IsFalse(readers.Any(r => r.Name.StartsWith("grad", StringComparison.Ordinal)), $"'{dq.Name}' (forward) is read by a gradient node");
            }
        }
        finally
        {
            File.Delete(referencePath);
        }
    }

    [TestMethod]
    public void The_ort_format_refuses_quantized_weights_with_a_clear_error()
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-int8-ort-" + Guid.NewGuid().ToString("N")[..8]);
        var error = Assert.ThrowsExactly<OrtTuneException>(() => OrtArtifactWriter.Write(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"), dir,
            new ArtifactOptions
            {
                Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
                Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
                Lora = new LoraOptions { Rank = 4 },
                QuantizeFrozen = new FrozenWeightQuantizationOptions(),
            }));
        StringAssert.Contains(error.Message, "portable format only");
        Assert.IsFalse(Directory.Exists(dir) && Directory.EnumerateFiles(dir).Any(), "nothing written");
    }
}

using System.Globalization;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Training;

namespace OrtTune.Graphs.Tests.OrtFormat;

/// <summary>
/// Conformance of the ORT-format artifacts: ONNX Runtime's own training runtime (onnxruntime-web 1.19.2 in Node, see
/// <see cref="OrtTrainingOracle"/>) trains them exactly as OrtTune's portable backend trains the portable artifacts
/// of the same model and settings: same first loss, same parameters after one optimizer step, falling loss.
/// </summary>
[TestClass]
public sealed class OrtConformanceTests
{
    private const float LearningRate = 1e-3f; // onnxruntime-web cannot set the learning rate; 1e-3 is its default
    private const int Steps = 5;

    public TestContext TestContext { get; set; } = null!;

    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void AdamW_in_ort_equals_the_portable_backend(string fixture) =>
        Compare(fixture, new AdamWOptions { WeightDecay = 0.01 }, new ParameterSelection());

    /// <summary>adam_mode 1 (onnxblock's default, what imported sets use) with weight decay, against the portable Hugging Face form.</summary>
    [TestMethod]
    [DataRow("llama")]
    [DataRow("bert_opset17")]
    public void Hugging_face_form_AdamW_in_ort_equals_the_portable_backend(string fixture) =>
        Compare(fixture, new AdamWOptions { WeightDecay = 0.05, Epsilon = 1e-6, HuggingFaceForm = true }, new ParameterSelection());

    [TestMethod]
    [DataRow("llama")]
    [DataRow("bert_opset17")]
    public void Sgd_in_ort_equals_the_portable_backend(string fixture) =>
        Compare(fixture, new SgdOptions { Momentum = 0 }, new ParameterSelection());

    [TestMethod]
    public void Gradient_clipping_in_ort_equals_the_portable_backend() =>
        // SGD, because AdamW's first step is nearly blind to a uniform gradient scale.
        Compare("gpt2", new SgdOptions { Momentum = 0, MaxGradNorm = 0.1 }, new ParameterSelection(), (_, _, portable) =>
        {
            double norm = Math.Sqrt(portable.Gradients.Values.SelectMany(g => g).Sum(v => (double)v * v));
            Assert.IsGreaterThan(0.2, norm, "the gradients must be clipped for this test to test clipping");
        });

    [TestMethod]
    public void Frozen_parameters_are_fed_from_the_checkpoint_and_stay_put()
    {
        var frozen = new ParameterSelection { Freeze = ["model.embed_tokens.weight", "*layernorm*", "model.norm.weight"] };
        Compare("llama", new AdamWOptions { WeightDecay = 0.01 }, frozen, (set, run, _) =>
        {
            Assert.HasCount(6, set.Frozen, "embed_tokens, 2×2 layer norms and the final norm");
            Assert.AreEqual(set.Frozen.Sum(p => p.ElementCount), run.AllSize - run.TrainableSize, "frozen parameters the runtime holds");
            // The runtime's full buffer lists the graph's parameter inputs in order: trainable, then frozen.
            var checkpoint = CheckpointReader.Read(set.CheckpointPath);
            var after = run.Parameters("step1_all");
            int offset = (int)set.Trainable.Sum(p => p.ElementCount);
            foreach (var p in set.Frozen)
            {
                var expected = checkpoint.FrozenParameters.Single(t => t.Name == p.Name).ToArray<float>();
                CollectionAssert.AreEqual(expected, after.AsSpan(offset, expected.Length).ToArray(), $"frozen '{p.Name}' changed");
                offset += expected.Length;
            }
        });
    }

    /// <summary>
    /// TokenTune artifacts in ORT format: the runtime takes the selection as two more inputs and trains exactly as the
    /// portable backend on the same selection, alone, with LoRA, and with a mean-pooling classification head (whose
    /// training form pools the selected tokens).
    /// </summary>
    [TestMethod]
    [DataRow("llama", "alone")]
    [DataRow("bert_opset17", "alone")]
    [DataRow("llama", "lora")]
    [DataRow("bert_opset17", "lora")]
    [DataRow("llama", "head")]
    public void TokenTune_in_ort_equals_the_portable_backend(string fixture, string with)
    {
        var selectionCase = TokenTuneTests.FixtureCase(fixture);
        var tokenTune = new TokenTuneOptions { Count = 4 };
        bool head = with == "head";
        var (indices, mask) = TokenTuneTests.RandomSelection(selectionCase with { Kind = head ? LossKind.SequenceClassificationCrossEntropy : selectionCase.Kind },
            tokenTune.SelectedCount(selectionCase.Sequence, selectionCase.Decoder && !head), seed: 3);
        var inputs = new List<NamedTensor> { indices.ToNamed(TokenTuneOptions.DefaultIndicesName), mask.ToNamed(TokenTuneOptions.DefaultMaskName) };
        if (head)
            inputs.AddRange([NamedTensor.FromValues<long>("labels", [2], [1, 0]),
                             NamedTensor.FromValues<long>(ClassificationHead.MaskInput, [2, 8], [.. Enumerable.Repeat(1L, 13), 0, 0, 0])]);
        Compare(fixture, new AdamWOptions { WeightDecay = 0.01 }, new ParameterSelection(), (set, run, _) =>
            {
                CollectionAssert.IsSubsetOf(new[] { TokenTuneOptions.DefaultIndicesName, TokenTuneOptions.DefaultMaskName },
                    run.TrainingInputNames.ToArray(), "the selection is a training input");
                CollectionAssert.DoesNotContain(run.EvalInputNames.ToArray(), TokenTuneOptions.DefaultIndicesName, "the eval graph is the unmodified model");
            },
            options => with switch
            {
                "lora" => options with { TokenTune = tokenTune, Lora = new LoraOptions { Rank = 2, Alpha = 4 } },
                "head" => options with
                {
                    TokenTune = tokenTune,
                    Loss = new LossOptions(LossKind.SequenceClassificationCrossEntropy),
                    Head = new ClassificationHeadOptions { Classes = 2, Pooling = HeadPooling.Mean },
                },
                _ => options with { TokenTune = tokenTune },
            },
            inputs);
    }

    /// <summary>
    /// PEMA artifacts in ORT format: the runtime trains the shrunken embedding on compact ids exactly as the portable
    /// backend does (a causal LM, whose labels stay original ids, and an encoder classifier).
    /// </summary>
    [TestMethod]
    [DataRow("llama")]
    [DataRow("bert_opset17")]
    public void Pema_in_ort_equals_the_portable_backend(string fixture)
    {
        var ids = Npy.Read(Path.Combine(TestPaths.FixtureModels, fixture, "inputs_input_ids.npy"));
        var original = ids.ToArray<long>();
        var pema = new PemaOptions { UsedIds = original, KeepIds = [0] };
        var kept = pema.SortedIds();
        var compact = original.Select(id => (long)Array.BinarySearch(kept, id)).ToArray();
        Assert.IsLessThan(100, kept.Length, "the fixture's batch uses part of the vocabulary");
        Compare(fixture, new AdamWOptions { WeightDecay = 0.01 }, new ParameterSelection(), (set, _, _) =>
                Assert.IsTrue(set.Trainable.Any(p => p.Shape.Count == 2 && p.Shape[0] == kept.Length), "the embedding has one row per kept id"),
            options => options with { Vocabulary = pema },
            [NamedTensor.FromValues<long>("input_ids", ids.Dims.ToArray(), compact)]);
    }

    /// <summary>An error inside the runtime's wasm arrives as a bare pointer; the harness reads ONNX Runtime's own message.</summary>
    [TestMethod]
    public void A_batch_the_runtime_rejects_is_reported_with_its_message()
    {
        OrtTrainingOracle.Require();
        var work = TestPaths.TempDirectory("ort-conformance-rejected");
        try
        {
            var set = OrtArtifactWriter.Write(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx"), Path.Combine(work, "ort"), new ArtifactOptions
            {
                Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
                Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
            });
            var batchDir = Directory.CreateDirectory(Path.Combine(work, "batch")).FullName;
            var ids = NamedTensor.FromValues<long>("input_ids", [2, 5], Enumerable.Range(1, 10).Select(i => (long)i).ToArray());
            NpyWriter.Write(Path.Combine(batchDir, "input_ids.npy"), ids);
            NpyWriter.Write(Path.Combine(batchDir, "labels.npy"), NamedTensor.FromValues<long>("labels", [2, 5], ids.ToArray<long>()));
            var error = Assert.ThrowsExactly<AssertFailedException>(() => OrtTrainingOracle.Run(set.Directory, batchDir, Path.Combine(work, "oracle"), 1));
            StringAssert.Contains(error.Message, "invalid dimensions for input: input_ids", "ONNX Runtime's message, read from the wasm heap");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Builds both artifact sets, trains both and checks them against each other, then runs <paramref name="more"/>.
    /// <paramref name="configure"/> adds rewrites to the options; <paramref name="inputs"/> adds batch inputs or
    /// replaces the fixture's (labels included).
    /// </summary>
    private void Compare(string fixture, OptimizerOptions optimizer, ParameterSelection parameters,
        Action<OrtArtifactSet, OracleRun, PortableRun>? more = null,
        Func<ArtifactOptions, ArtifactOptions>? configure = null, IReadOnlyList<NamedTensor>? inputs = null)
    {
        OrtTrainingOracle.Require();
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var model = Path.Combine(dir, "model.onnx");
        bool classifier = File.Exists(Path.Combine(dir, "labels.npy"));
        var options = new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
            Loss = new LossOptions(classifier ? LossKind.SequenceClassificationCrossEntropy : LossKind.CausalLMCrossEntropy),
            Parameters = parameters,
            Optimizer = optimizer,
            LearningRate = LearningRate,
        };
        if (configure is not null) options = configure(options);
        var work = TestPaths.TempDirectory("ort-conformance-" + fixture);
        try
        {
            // The batch: one .npy per input; the language models learn their own next tokens.
            var batchDir = Directory.CreateDirectory(Path.Combine(work, "batch")).FullName;
            var batch = new List<NamedTensor>();
            foreach (var file in Directory.GetFiles(dir, "inputs_*.npy"))
                batch.Add(CopyInput(file, Path.GetFileNameWithoutExtension(file)["inputs_".Length..], batchDir));
            batch.Add(CopyInput(Path.Combine(dir, classifier ? "labels.npy" : "inputs_input_ids.npy"), "labels", batchDir));
            foreach (var input in inputs ?? [])
            {
                batch.RemoveAll(t => t.Name == input.Name);
                batch.Add(input);
                NpyWriter.Write(Path.Combine(batchDir, input.Name + ".npy"), input); // overwrites a fixture's copy
            }

            var set = OrtArtifactWriter.Write(model, Path.Combine(work, "ort"), options);
            var run = OrtTrainingOracle.Run(set.Directory, batchDir, Path.Combine(work, "oracle"), Steps, 1);
            var portable = TrainPortable(model, Path.Combine(work, "portable"), options, batch);

            // The runtime sees the inputs and outputs OrtTune declared, in order, and loads the checkpoint bit for bit.
            CollectionAssert.AreEqual(set.TrainingInputs.ToArray(), run.TrainingInputNames.ToArray(), "training inputs");
            CollectionAssert.AreEqual(new[] { set.LossName, set.PredictionName }, run.TrainingOutputNames.ToArray(), "training outputs");
            CollectionAssert.AreEqual(set.EvalInputs.ToArray(), run.EvalInputNames.ToArray(), "eval inputs");
            Assert.AreEqual(set.Trainable.Sum(p => p.ElementCount), run.TrainableSize, "trainable parameter count");
            var checkpoint = CheckpointReader.Read(set.CheckpointPath);
            CollectionAssert.AreEqual(
                set.Trainable.SelectMany(p => checkpoint.TrainableParameters.Single(t => t.Name == p.Name).ToArray<float>()).ToArray(),
                run.Parameters("initial"), "parameters loaded from the checkpoint");

            var firstLoss = Math.Abs(run.Losses[0] - portable.Losses[0]);
            var evalLoss = Math.Abs(run.EvalLossBefore - portable.EvalLoss);
            var lossPath = run.Losses.Zip(portable.Losses, (a, b) => Math.Abs(a - b)).Max();
            var step1 = StepComparison.Of(set, run.Parameters("step1"), portable.AfterStep1, portable.Gradients);
            TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{fixture} {set.Optimizer} ({set.Trainable.Count} trainable, {set.Frozen.Count} frozen): " +
                $"first loss ort {run.Losses[0]:R} portable {portable.Losses[0]:R} |Δ| {firstLoss:E2}; eval |Δ| {evalLoss:E2}; " +
                $"5-step loss path max |Δ| {lossPath:E2}; after step 1 {step1}; " +
                $"ort losses [{string.Join(", ", run.Losses.Select(l => l.ToString("G7", CultureInfo.InvariantCulture)))}]"));

            Assert.IsLessThanOrEqualTo(1e-5, firstLoss, "first loss");
            Assert.IsLessThanOrEqualTo(1e-5, evalLoss, "eval loss before training");
            Assert.IsLessThanOrEqualTo(1e-4, lossPath, "losses of the 5 steps");
            Assert.IsLessThanOrEqualTo(1e-5, step1.MaxRelative, $"parameters after one step: {step1}");
            Assert.IsLessThanOrEqualTo(2 * LearningRate, step1.MaxUnstable, $"sign-unstable parameters moved more than one step: {step1}");
            for (int i = 1; i < Steps; i++)
                Assert.IsLessThan(run.Losses[i - 1], run.Losses[i], $"ORT loss did not fall at step {i + 1}: [{string.Join(", ", run.Losses)}]");
            Assert.IsLessThan(run.EvalLossBefore, run.EvalLossAfter, "eval loss after training");
            more?.Invoke(set, run, portable);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record PortableRun(float EvalLoss, List<float> Losses, Dictionary<string, float[]> AfterStep1, Dictionary<string, float[]> Gradients);

    /// <summary>The same training on the portable artifacts: eval loss, the losses of every step, parameters and gradients of step 1.</summary>
    private static PortableRun TrainPortable(string model, string directory, ArtifactOptions options, List<NamedTensor> batch)
    {
        ArtifactBuilder.Build(model, directory, options);
        using var session = SessionCheckpoints.Open(directory);
        var run = new PortableRun(session.Evaluate(batch).loss, [], [], []);
        for (int step = 1; step <= Steps; step++)
        {
            run.Losses.Add(session.TrainStep(batch));
            if (step == 1)
                foreach (var g in session.Gradients()) run.Gradients[g.Name] = g.ToArray<float>();
            session.OptimizerStep(LearningRate);
            if (step == 1)
                foreach (var p in session.Parameters()) run.AfterStep1[p.Name] = p.ToArray<float>();
        }
        return run;
    }

    /// <summary>
    /// The parameters after one step, runtime against portable. <see cref="MaxRelative"/> is the largest per-tensor
    /// relative error ‖ort − portable‖∞ / ‖portable‖∞. Elements whose gradient is below 1e-6 of the largest gradient
    /// of the model are left out of it and bounded by <see cref="MaxUnstable"/> instead: their true gradient is zero
    /// (a key bias under softmax) or nearly so, both backends compute rounding noise there, and AdamW's first step moves
    /// such an element by lr·g/(|g| + ε), whose size and sign the noise decides — any value within ±lr is right.
    /// </summary>
    private sealed record StepComparison(double MaxRelative, string Worst, int Unstable, double MaxUnstable)
    {
        private const double UnstableGradient = 1e-6;

        public static StepComparison Of(OrtArtifactSet set, float[] flat, Dictionary<string, float[]> portable, Dictionary<string, float[]> gradients)
        {
            double gmax = gradients.Values.SelectMany(g => g).Max(v => Math.Abs((double)v));
            double maxRelative = 0, maxUnstable = 0;
            int unstable = 0, offset = 0;
            string worst = "";
            foreach (var p in set.Trainable)
            {
                var expected = portable[p.Name];
                var g = gradients[p.Name];
                double norm = expected.Max(v => Math.Abs((double)v)), maxDiff = 0;
                int worstIndex = 0;
                for (int i = 0; i < expected.Length; i++)
                {
                    double diff = Math.Abs((double)flat[offset + i] - expected[i]);
                    if (Math.Abs(g[i]) < UnstableGradient * gmax)
                    {
                        unstable++;
                        maxUnstable = Math.Max(maxUnstable, diff);
                    }
                    else if (diff > maxDiff) (maxDiff, worstIndex) = (diff, i);
                }
                double relative = norm == 0 ? maxDiff : maxDiff / norm;
                if (relative > maxRelative)
                    (maxRelative, worst) = (relative, string.Create(CultureInfo.InvariantCulture,
                        $"{p.Name}[{worstIndex}] ort {flat[offset + worstIndex]:R} portable {expected[worstIndex]:R}"));
                offset += expected.Length;
            }
            Assert.AreEqual(flat.Length, offset, "size of the runtime's parameter buffer");
            return new StepComparison(maxRelative, worst, unstable, maxUnstable);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"max ‖Δ‖∞/‖p‖∞ {MaxRelative:E2} ({Worst}), {Unstable} sign-unstable elements with max |Δ| {MaxUnstable:E2}");
    }

    /// <summary>Copies a fixture .npy to the batch folder as &lt;name&gt;.npy and returns it as the portable backend's input.</summary>
    private static NamedTensor CopyInput(string file, string name, string batchDir)
    {
        File.Copy(file, Path.Combine(batchDir, name + ".npy"));
        var t = Npy.Read(file);
        return NamedTensor.FromRawData(name, (TensorElementType)(int)t.DataType, t.Dims.ToArray(), t.RawBytes);
    }
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.OrtFormat;

/// <summary>
/// The structure of the ORT-format artifacts: the names, orders and types ONNX Runtime's training runtime binds by.
/// (Whether the runtime actually trains them is <see cref="OrtConformanceTests"/>' business.)
/// </summary>
[TestClass]
public sealed class OrtArtifactWriterTests
{
    private static readonly string Llama = Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx");

    private static ArtifactOptions Options(OptimizerOptions? optimizer = null, ParameterSelection? parameters = null) => new()
    {
        Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
        Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
        Optimizer = optimizer ?? new AdamWOptions(),
        Parameters = parameters ?? new ParameterSelection(),
    };

    [TestMethod]
    public void Training_model_has_the_accumulation_interface_the_runtime_binds()
    {
        var dir = TestPaths.TempDirectory("ort-writer");
        try
        {
            var set = OrtArtifactWriter.Write(Llama, dir, Options(parameters: new ParameterSelection { Freeze = ["*norm*"] }));
            var model = OnnxModelIO.Load(set.TrainingModelPath);
            var graph = model.Graph;
            var trainable = set.Trainable.Select(p => p.Name).ToList();
            var frozen = set.Frozen.Select(p => p.Name).ToList();
            Assert.HasCount(5, frozen);

            string[] expectedInputs =
            [
                "input_ids", "labels", .. trainable, .. frozen,
                .. trainable.Select(OrtFormatNames.AccumulationBuffer), OrtFormatNames.LazyResetGrad,
            ];
            CollectionAssert.AreEqual(expectedInputs, graph.Inputs.Select(v => v.Name).ToArray());
            CollectionAssert.AreEqual(new[] { "loss", "logits" }.Concat(trainable.Select(OrtFormatNames.AccumulationOut)).ToArray(),
                graph.Outputs.Select(v => v.Name).ToArray());
            Assert.AreEqual(new TensorType(DataType.Bool, new Shape(1)), graph.Inputs[^1].Type);
            Assert.AreEqual(1L, model.Opset(OrtFormatNames.ContribDomain));
            Assert.IsFalse(graph.Initializers.Any(v => trainable.Contains(v.Name) || frozen.Contains(v.Name)), "parameters must not stay initializers");

            foreach (var p in trainable)
            {
                var node = graph.Nodes.Single(n => n.Outputs[0]?.Name == OrtFormatNames.AccumulationOut(p));
                Assert.AreEqual(OrtFormatNames.ContribDomain + "::" + OrtFormatNames.AccumulatorOp, node.QualifiedOpType);
                Assert.AreEqual(OrtFormatNames.AccumulationBuffer(p), node.Inputs[0]!.Name);
                Assert.AreEqual(OrtFormatNames.LazyResetGrad, node.Inputs[2]!.Name);
                var param = graph.Inputs.Single(v => v.Name == p);
                Assert.AreEqual(param.Type, node.Inputs[0]!.Type, $"buffer of '{p}'");
                Assert.AreEqual(param.Type, node.Inputs[1]!.Type, $"gradient of '{p}'");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Eval_model_lists_the_parameters_as_the_training_model_does()
    {
        var dir = TestPaths.TempDirectory("ort-writer");
        try
        {
            var set = OrtArtifactWriter.Write(Llama, dir, Options(parameters: new ParameterSelection { Freeze = ["lm_head.weight"] }));
            var eval = OnnxModelIO.Load(set.EvalModelPath).Graph;
            var parameters = set.Trainable.Concat(set.Frozen).Select(p => p.Name).ToArray();
            // The runtime feeds eval the training graph's parameter list in order, so the orders must agree.
            CollectionAssert.AreEqual(set.EvalInputs.Concat(parameters).ToArray(), eval.Inputs.Select(v => v.Name).ToArray());
            CollectionAssert.AreEqual(new[] { "input_ids", "labels" }, set.EvalInputs.ToArray());
            CollectionAssert.AreEqual(new[] { "loss", "logits" }, eval.Outputs.Select(v => v.Name).ToArray());
            Assert.IsFalse(eval.Initializers.Any(v => parameters.Contains(v.Name)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Checkpoint_is_version_2_with_trainable_and_frozen_parameters_and_no_optimizer_state()
    {
        var dir = TestPaths.TempDirectory("ort-writer");
        try
        {
            var set = OrtArtifactWriter.Write(Llama, dir, Options(parameters: new ParameterSelection { Freeze = ["model.embed_tokens.weight"] }));
            Assert.AreEqual(2, CheckpointReader.ReadVersion(set.CheckpointPath));
            var checkpoint = CheckpointReader.Read(set.CheckpointPath);
            CollectionAssert.AreEquivalent(set.Trainable.Select(p => p.Name).ToArray(), checkpoint.TrainableParameters.Select(p => p.Name).ToArray());
            CollectionAssert.AreEqual(new[] { "model.embed_tokens.weight" }, checkpoint.FrozenParameters.Select(p => p.Name).ToArray());
            Assert.IsEmpty(checkpoint.OptimizerGroups, "the runtime creates zero momentums itself");
            Assert.IsFalse(checkpoint.IsNominalState);

            var source = OnnxModelIO.Load(Llama).Graph;
            foreach (var p in checkpoint.AllParameters)
                CollectionAssert.AreEqual(source.FindInitializer(p.Name)!.Initializer!.ToArray<float>(), p.ToArray<float>(), $"'{p.Name}'");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void AdamW_optimizer_model_has_the_runtime_inputs_and_torch_mode_attributes()
    {
        var parameters = new[] { new OptimizerParameter("w", DataType.Float, [2, 3]), new OptimizerParameter("b", DataType.Float, [3]) };
        var model = OrtOptimizerModel.Build(parameters, new AdamWOptions { Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-7, WeightDecay = 0.05 });
        var graph = model.Graph;
        CollectionAssert.AreEqual(OrtFormatNames.AdamWInputs.ToArray(), graph.Inputs.Select(v => v.Name).ToArray());
        Assert.AreEqual(new TensorType(DataType.Float, new Shape(1)), graph.Inputs[0].Type);
        Assert.AreEqual(new TensorType(DataType.Int64, new Shape(1)), graph.Inputs[1].Type);
        Assert.IsInstanceOfType<SequenceType>(graph.Inputs[2].Type);
        var node = graph.Nodes.Single();
        Assert.AreEqual("com.microsoft::AdamWOptimizer", node.QualifiedOpType);
        CollectionAssert.AreEqual(OrtFormatNames.AdamWInputs.ToArray(), node.Inputs.Select(v => v!.Name).ToArray());
        Assert.AreEqual(0.8f, node.GetFloat("alpha", 0));
        Assert.AreEqual(0.99f, node.GetFloat("beta", 0));
        Assert.AreEqual(1e-7f, node.GetFloat("epsilon", 0));
        Assert.AreEqual(0.05f, node.GetFloat("weight_decay", 0));
        Assert.AreEqual(1L, node.GetInt("correct_bias", -1));
        Assert.AreEqual(0L, node.GetInt("adam_mode", -1), "mode 0 is torch.optim.AdamW");
        Assert.AreSame(node.Outputs[0], graph.Outputs.Single());
        Assert.AreEqual(1L, model.Opset(OrtFormatNames.ContribDomain));
    }

    [TestMethod]
    public void Sgd_optimizer_model_feeds_the_gradients_clipped_when_asked()
    {
        var parameters = new[] { new OptimizerParameter("w", DataType.Float, [4]) };
        var graph = OrtOptimizerModel.Build(parameters, new SgdOptions { Momentum = 0, MaxGradNorm = 0.5 }).Graph;
        CollectionAssert.AreEqual(OrtFormatNames.SgdInputs.ToArray(), graph.Inputs.Select(v => v.Name).ToArray());
        var clip = graph.Nodes.Single(n => n.OpType == OrtFormatNames.ClipGradNormOp);
        Assert.AreEqual(0.5f, clip.GetFloat("max_norm", 0));
        Assert.AreEqual(OrtFormatNames.Gradients, clip.Inputs[0]!.Name);
        var sgd = graph.Nodes.Single(n => n.OpType == OrtFormatNames.SgdOptimizerOp);
        CollectionAssert.AreEqual(new[] { OrtFormatNames.LearningRate, OrtFormatNames.Params, clip.Outputs[0]!.Name },
            sgd.Inputs.Select(v => v!.Name).ToArray());
    }

    [TestMethod]
    public void Settings_the_runtime_cannot_express_are_refused_before_anything_is_written()
    {
        var dir = TestPaths.TempDirectory("ort-writer");
        try
        {
            var cases = new OptimizerOptions[]
            {
                new AdamWOptions { WeightDecay = 0.01, NoWeightDecay = ["*.bias"] },
                new SgdOptions(), // momentum 0.9 by default
                new SgdOptions { Momentum = 0, WeightDecay = 1e-4 },
            };
            foreach (var optimizer in cases)
            {
                var e = Assert.ThrowsExactly<OrtTuneException>(() => OrtArtifactWriter.Write(Llama, dir, Options(optimizer)));
                Assert.Contains("ORT format", e.Message);
                Assert.IsEmpty(Directory.GetFiles(dir), $"files left behind for {optimizer}");
            }
            // Without decay the exclusions do not matter.
            OrtOptimizerModel.Build([new OptimizerParameter("w", DataType.Float, [1])], new AdamWOptions { WeightDecay = 0, NoWeightDecay = ["*"] });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void The_manifest_records_every_rewrite_as_the_portable_one_does()
    {
        var dir = TestPaths.TempDirectory("ort-writer-methods");
        try
        {
            var options = Options() with
            {
                Loss = new LossOptions(LossKind.SequenceClassificationCrossEntropy),
                Head = new OrtTune.Graphs.Rewrites.ClassificationHeadOptions { Classes = 2, Pooling = OrtTune.Graphs.Rewrites.HeadPooling.Mean },
                Vocabulary = new OrtTune.Graphs.Rewrites.PemaOptions { UsedIds = [0, 3, 5, 7] },
            };
            OrtArtifactWriter.Write(Llama, dir, options);
            var manifest = OrtTune.Artifacts.Manifest.ArtifactManifest.Load(dir);
            CollectionAssert.AreEquivalent(new[] { "head", "pema" }, manifest.Methods.Keys.ToArray());
            CollectionAssert.AreEqual(new long[] { 0, 3, 5, 7 }, manifest.Vocabulary!.UsedIds);
            Assert.IsNotNull(CheckpointReader.Read(Path.Combine(dir, manifest.Vocabulary.OriginalFile)).FindParameter(manifest.Vocabulary.Embedding),
                "the pretrained matrix the export restores rows from");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

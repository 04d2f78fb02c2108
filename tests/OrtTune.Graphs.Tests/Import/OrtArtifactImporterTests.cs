using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Import;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Pipeline.Training;

namespace OrtTune.Graphs.Tests.Import;

/// <summary><see cref="OrtArtifactImporter"/> without the Node oracle: Dropout, optimizer settings, refused inputs.</summary>
[TestClass]
public sealed class OrtArtifactImporterTests
{
    private string _work = "";

    [TestInitialize]
    public void Setup() => _work = TestPaths.TempDirectory("ort-importer");

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_work, recursive: true);

    private static string Transformer => TestPaths.RequireShared("fixtures", "ort-training", "srijanie03-ONNX-Graphs", "LoRA", "Graphs", "Transformers");

    /// <summary>By default the eval model's (switched-off) Dropout trains in training mode, as in ORT's training model.</summary>
    [TestMethod]
    public void Dropout_trains_in_training_mode_by_default()
    {
        var output = Path.Combine(_work, "out");
        var result = OrtArtifactImporter.Import(Transformer, output, new OrtImportOptions { Shapes = new SpecializationOptions { Batch = 8 } });
        Assert.AreEqual(2, result.TrainingDropoutNodes);
        var training = OnnxModelIO.Load(Path.Combine(output, "training_model.onnx")).Graph;
        var dropouts = training.Nodes.Where(n => n.OpType == "Dropout").ToList();
        Assert.HasCount(2, dropouts);
        foreach (var d in dropouts) Assert.AreEqual(1, d.InputOrNull(2)?.Initializer?.ToInt64Array()[0], "training_mode = true");
        // Seeded, each its own: a run with the same data is reproducible (an unseeded one drew new masks per process).
        CollectionAssert.AllItemsAreUnique(dropouts.Select(d => d.Attr("seed")?.AsInt() ?? throw new AssertFailedException($"'{d.Name}' has no seed")).ToList());
        var eval = OnnxModelIO.Load(Path.Combine(output, "eval_model.onnx")).Graph;
        Assert.IsTrue(eval.Nodes.Where(n => n.OpType == "Dropout").All(n => n.InputOrNull(2) is null), "the eval graph keeps Dropout off");

        var random = new Random(4);
        List<NamedTensor> batch =
        [
            NamedTensor.FromValues<float>("input", [8, 32], Enumerable.Range(0, 256).Select(_ => (float)random.NextDouble()).ToArray()),
            NamedTensor.FromValues<long>("labels", [8], Enumerable.Range(0, 8).Select(i => (long)i).ToArray()),
        ];
        using var session = SessionCheckpoints.Open(output);
        float evalLoss = session.Evaluate(batch).loss;
        var losses = new List<float>();
        for (int i = 0; i < 8; i++)
        {
            losses.Add(session.TrainStep(batch));
            session.OptimizerStep(1e-3f);
        }
        Assert.AreNotEqual(evalLoss, losses[0], "a training step with dropout differs from the eval step");
        Assert.IsLessThan(losses[0], losses[^1], $"loss falls with dropout on: [{string.Join(", ", losses)}]");
    }

    [TestMethod]
    public void Optimizer_settings_come_from_the_optimizer_model()
    {
        var adam = OrtOptimizerSettings.Read(OnnxModelIO.Load(Path.Combine(Transformer, "optimizer_model.onnx")));
        var a = Assert.IsInstanceOfType<AdamWOptions>(adam);
        Assert.AreEqual(0.9f, (float)a.Beta1);
        Assert.AreEqual(0.999f, (float)a.Beta2);
        Assert.AreEqual(1e-6f, (float)a.Epsilon);
        Assert.AreEqual(0, a.WeightDecay);
        Assert.IsTrue(a.HuggingFaceForm, "adam_mode 1");

        List<OptimizerParameter> ps = [new("w", DataType.Float, [2, 3])];
        var sgd = OrtOptimizerSettings.Read(OrtOptimizerModel.Build(ps, new SgdOptions { Momentum = 0, WeightDecay = 0, MaxGradNorm = 2 }));
        var s = Assert.IsInstanceOfType<SgdOptions>(sgd);
        Assert.AreEqual(0, s.Momentum);
        Assert.AreEqual(2.0, s.MaxGradNorm);
        var wd = OrtOptimizerSettings.Read(OrtOptimizerModel.Build(ps, new AdamWOptions { Beta1 = 0.8, WeightDecay = 0.05 }));
        Assert.AreEqual(0.05f, (float)((AdamWOptions)wd).WeightDecay);
        Assert.AreEqual(0.8f, (float)((AdamWOptions)wd).Beta1);
        Assert.IsFalse(((AdamWOptions)wd).HuggingFaceForm, "OrtTune's writer uses adam_mode 0 unless asked");
        Assert.IsTrue(((AdamWOptions)OrtOptimizerSettings.Read(OrtOptimizerModel.Build(ps, new AdamWOptions { HuggingFaceForm = true }))).HuggingFaceForm);
    }

    [TestMethod]
    public void Parameter_of_another_shape_is_refused_by_name()
    {
        var source = Directory.CreateDirectory(Path.Combine(_work, "source")).FullName;
        foreach (var f in new[] { "eval_model.onnx", "optimizer_model.onnx" }) File.Copy(Path.Combine(Transformer, f), Path.Combine(source, f));
        var checkpoint = CheckpointReader.Read(Path.Combine(Transformer, "checkpoint"));
        int i = checkpoint.TrainableParameters.FindIndex(p => p.Name == "feed_forward.0.bias");
        checkpoint.TrainableParameters[i] = NamedTensor.FromValues<float>("feed_forward.0.bias", [64], new float[64]);
        CheckpointWriter.Write(checkpoint, Path.Combine(source, "checkpoint"));
        var e = Assert.ThrowsExactly<OrtTuneException>(() =>
            OrtArtifactImporter.Import(source, Path.Combine(_work, "out"), new OrtImportOptions { Shapes = new SpecializationOptions { Batch = 2 } }));
        StringAssert.Contains(e.Message, "'feed_forward.0.bias' is Float[64] in the checkpoint but");
        Assert.IsFalse(Directory.Exists(Path.Combine(_work, "out")), "nothing is written for a refused set");
    }
}

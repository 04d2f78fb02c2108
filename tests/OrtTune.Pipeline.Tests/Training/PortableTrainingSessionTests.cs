using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Tests.Training;

/// <summary>The portable backend end to end on artifacts built from the llama fixture (batch 2, seq 8).</summary>
[TestClass]
public sealed class PortableTrainingSessionTests
{
    private static string _artifacts = "";
    private static List<NamedTensor> _batch = [];
    private static float _referenceLoss;

    [ClassInitialize]
    public static void Prepare(TestContext _)
    {
        var fixture = Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", "llama");
        _artifacts = Path.Combine(Path.GetTempPath(), "orttune-portable-" + Guid.NewGuid().ToString("N")[..8]);
        ArtifactBuilder.Build(Path.Combine(fixture, "model.onnx"), _artifacts, new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = 2, Sequence = 8 },
            Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
            Optimizer = new AdamWOptions { ReportGradNorm = true },
            LearningRate = 1e-3,
        });
        var ids = NpyFile.Read(Path.Combine(fixture, "inputs_input_ids.npy")).ToArray<long>();
        _batch = [NamedTensor.FromValues<long>("input_ids", [2, 8], ids), NamedTensor.FromValues<long>("labels", [2, 8], ids)];
        _referenceLoss = NpyFile.Read(Path.Combine(fixture, "ref_loss.npy")).ToArray<float>()[0];
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_artifacts)) Directory.Delete(_artifacts, recursive: true);
    }

    [TestMethod]
    public void First_loss_equals_pytorch_and_training_lowers_it()
    {
        using var session = SessionCheckpoints.Open(_artifacts);
        float first = session.TrainStep(_batch);
        Assert.AreEqual(_referenceLoss, first, 1e-5f);
        session.OptimizerStep(1e-3f);
        Assert.IsNotNull(session.LastGradNorm);
        float last = first;
        for (int i = 0; i < 20; i++)
        {
            last = session.TrainStep(_batch);
            session.OptimizerStep(1e-3f);
        }
        Assert.IsLessThan(first * 0.9f, last, $"loss went {first} → {last}");
        Assert.AreEqual(21L, session.Step);
        // On the same parameters the eval graph and the training graph compute the same loss.
        float evalLoss = session.Evaluate(_batch).loss;
        Assert.AreEqual(evalLoss, session.TrainStep(_batch), 1e-6f, "eval graph disagrees with the training graph's loss");
    }

    /// <summary>
    /// The eval graph (a second copy of every frozen weight) opens with the first evaluation: training runs without
    /// it, and evaluating then opens it. Shown with the eval model moved away and put back.
    /// </summary>
    [TestMethod]
    public void The_eval_graph_opens_on_first_use()
    {
        var copy = Path.Combine(Path.GetTempPath(), "orttune-lazy-eval-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDirectory(_artifacts, copy);
        try
        {
            var evalModel = Path.Combine(copy, OrtTune.Artifacts.Manifest.ArtifactManifest.Load(copy).Files.Eval);
            File.Move(evalModel, evalModel + ".away");
            using var session = SessionCheckpoints.Open(copy);
            session.TrainStep(_batch);
            session.OptimizerStep(1e-3f);
            Assert.ThrowsExactly<OnnxRuntimeException>(() => session.Evaluate(_batch));
            File.Move(evalModel + ".away", evalModel);
            float evalLoss = session.Evaluate(_batch).loss;
            Assert.AreEqual(evalLoss, session.TrainStep(_batch), 1e-6f);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [TestMethod]
    public void In_place_optimizer_equals_a_run_on_separate_buffers()
    {
        using var session = SessionCheckpoints.Open(_artifacts);
        session.TrainStep(_batch);
        var before = session.Parameters().ToDictionary(p => p.Name);
        var grads = session.Gradients().ToDictionary(p => p.Name);
        session.OptimizerStep(1e-3f);
        var after = session.Parameters().ToDictionary(p => p.Name);

        // The same update computed by ONNX Runtime with fresh input and output buffers.
        var manifest = session.Manifest;
        using var optimizer = new InferenceSession(Path.Combine(_artifacts, manifest.Files.Optimizer));
        var feeds = new Dictionary<string, OrtValue>
        {
            [manifest.OptimizerBinding.LearningRate] = OrtValue.CreateTensorValueFromMemory(new[] { 1e-3f }, []),
            [manifest.OptimizerBinding.Step] = OrtValue.CreateTensorValueFromMemory(new[] { 1L }, []),
        };
        if (manifest.OptimizerBinding.GradScale is { } scale) feeds[scale] = OrtValue.CreateTensorValueFromMemory(new[] { 1f }, []);
        foreach (var slot in manifest.OptimizerBinding.Slots)
        {
            feeds[slot.Parameter] = OrtValue.CreateTensorValueFromMemory(before[slot.Parameter].ToArray<float>(), before[slot.Parameter].GetDims());
            feeds[slot.Gradient] = OrtValue.CreateTensorValueFromMemory(grads[slot.Parameter].ToArray<float>(), grads[slot.Parameter].GetDims());
            foreach (var state in slot.States)
                feeds[state] = OrtValue.CreateTensorValueFromMemory(new float[before[slot.Parameter].ElementCount], before[slot.Parameter].GetDims());
        }
        var outputs = manifest.OptimizerBinding.Slots.Select(s => s.UpdatedParameter).ToArray();
        using var results = optimizer.Run(new RunOptions(), feeds.Keys.ToArray(), feeds.Values.ToArray(), outputs);
        for (int i = 0; i < outputs.Length; i++)
        {
            var param = manifest.OptimizerBinding.Slots[i].Parameter;
            CollectionAssert.AreEqual(results[i].GetTensorDataAsSpan<float>().ToArray(), after[param].ToArray<float>(), $"'{param}' differs");
        }
        foreach (var v in feeds.Values) v.Dispose();
    }

    [TestMethod]
    public void Resuming_from_a_checkpoint_continues_the_same_trajectory()
    {
        var checkpoint = Path.Combine(_artifacts, "resume-test.ckpt");
        using var straight = SessionCheckpoints.Open(_artifacts);
        for (int i = 0; i < 3; i++) { straight.TrainStep(_batch); straight.OptimizerStep(1e-3f); }
        SessionCheckpoints.Save(straight, checkpoint);
        for (int i = 0; i < 2; i++) { straight.TrainStep(_batch); straight.OptimizerStep(1e-3f); }

        using var resumed = SessionCheckpoints.Open(_artifacts, checkpoint);
        Assert.AreEqual(3L, resumed.Step);
        for (int i = 0; i < 2; i++) { resumed.TrainStep(_batch); resumed.OptimizerStep(1e-3f); }
        var expected = straight.Parameters().ToDictionary(p => p.Name);
        foreach (var p in resumed.Parameters())
            CollectionAssert.AreEqual(expected[p.Name].ToArray<float>(), p.ToArray<float>(), $"'{p.Name}' left the trajectory");
    }

    [TestMethod]
    public void Accumulating_two_identical_micro_batches_equals_one_batch()
    {
        using var once = SessionCheckpoints.Open(_artifacts);
        once.TrainStep(_batch);
        once.OptimizerStep(1e-3f);
        using var twice = SessionCheckpoints.Open(_artifacts);
        twice.TrainStep(_batch);
        twice.TrainStep(_batch);
        Assert.AreEqual(2, twice.PendingMicroBatches);
        twice.OptimizerStep(1e-3f);
        var expected = once.Parameters().ToDictionary(p => p.Name);
        foreach (var p in twice.Parameters())
            CollectionAssert.AreEqual(expected[p.Name].ToArray<float>(), p.ToArray<float>(), $"'{p.Name}'");
    }

    [TestMethod]
    public void Bad_batches_and_foreign_checkpoints_are_clear_errors()
    {
        using var session = SessionCheckpoints.Open(_artifacts);
        var e = Assert.ThrowsExactly<ArgumentException>(() => session.TrainStep([_batch[0]]));
        Assert.Contains("labels", e.Message);
        var wrongShape = NamedTensor.FromValues<long>("input_ids", [1, 8], new long[8]);
        e = Assert.ThrowsExactly<ArgumentException>(() => session.TrainStep([wrongShape, _batch[1]]));
        Assert.Contains("[2,8]", e.Message);

        var foreign = Path.Combine(_artifacts, "foreign.ckpt");
        CheckpointWriter.Write(new TrainingCheckpoint { TrainableParameters = [NamedTensor.FromValues<float>("some.other.weight", [2], new float[2])] }, foreign);
        var f = Assert.ThrowsExactly<ArtifactFormatException>(() => SessionCheckpoints.Open(_artifacts, foreign));
        Assert.Contains("some.other.weight", f.Message);
    }
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Pipeline.Tests.Runtime;

/// <summary>
/// The ort-training backend on a real ONNX Runtime artifact set (the MNIST MLP of shared/fixtures/ort-training, with
/// its version-2 checkpoint). Training needs ONNX Runtime's native training library; where it is absent (the
/// Microsoft.ML.OnnxRuntime CPU package) the training test reports skipped with the backend's start-up error as the
/// reason, and the start-up error itself is checked.
/// </summary>
[TestClass]
public sealed class OrtTrainingBackendTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "orttune-ort-backend-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [TestMethod]
    public void Trains_a_real_ort_artifact_set_where_the_training_library_is_present()
    {
        var artifacts = MnistWithManifest();
        OrtTrainingBackend backend;
        try
        {
            backend = OrtTrainingBackend.Open(artifacts);
        }
        catch (DeviceUnavailableException e)
        {
            Assert.Inconclusive($"Skipped: {e.Message}");
            return;
        }
        using (backend)
        {
            var batch = Batch();
            float before = backend.Evaluate(batch);
            var (first, last, _) = backend.Train([batch], steps: 5, learningRate: 1e-3f, Path.Combine(_dir, "saved"));
            Assert.AreEqual(before, first, 1e-5f, "the first training loss is the eval loss (no dropout in this MLP)");
            Assert.IsLessThan(first, last, "loss falls");
            Assert.AreEqual(5, CheckpointReader.Read(Path.Combine(_dir, "saved")).FindOptimizerGroup(OptimizerGroup.DefaultGroupName)!.Step);
        }
    }

    [TestMethod]
    public void Start_up_without_the_training_library_says_what_to_install()
    {
        var artifacts = MnistWithManifest();
        DeviceUnavailableException error;
        try
        {
            using var backend = OrtTrainingBackend.Open(artifacts);
            Assert.Inconclusive("Skipped: ONNX Runtime's training library is present here, so the start-up error cannot occur.");
            return;
        }
        catch (DeviceUnavailableException e)
        {
            error = e;
        }
        StringAssert.Contains(error.Message, "needs ONNX Runtime's training library");
        StringAssert.Contains(error.Message, "Microsoft.ML.OnnxRuntime.Training");
        StringAssert.Contains(error.Message, "orttune import-ort");
        StringAssert.Contains(error.Message, "This package does not contain the training API", "ONNX Runtime's own words are quoted");
        Assert.IsInstanceOfType<InvalidOperationException>(error.InnerException);
    }

    [TestMethod]
    public void Wrong_runtime_and_foreign_checkpoint_are_refused_before_the_native_library_is_touched()
    {
        var artifacts = MnistWithManifest();
        var manifest = ArtifactManifest.Load(artifacts);
        (manifest with { Runtime = ArtifactManifest.PortableRuntime }).Save(artifacts);
        var e = Assert.ThrowsExactly<OrtTune.Artifacts.ArtifactFormatException>(() => OrtTrainingBackend.Open(artifacts));
        StringAssert.Contains(e.Message, "portable backend");

        manifest.Save(artifacts);
        var checkpoint = CheckpointReader.Read(Path.Combine(artifacts, "checkpoint"));
        checkpoint.TrainableParameters[0] = checkpoint.TrainableParameters[0].WithName("fc9.weight");
        var other = Path.Combine(_dir, "other");
        CheckpointWriter.Write(checkpoint, other, new CheckpointWriteOptions { Version = 2 });
        e = Assert.ThrowsExactly<OrtTune.Artifacts.ArtifactFormatException>(() => OrtTrainingBackend.Open(artifacts, other));
        StringAssert.Contains(e.Message, "missing parameters: fc1.weight");
        StringAssert.Contains(e.Message, "parameters the graphs do not have: fc9.weight");
    }

    /// <summary>A copy of the MNIST set with the manifest `orttune prepare --format ort` would write for it.</summary>
    private string MnistWithManifest()
    {
        var source = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "fixtures", "ort-training", "carzh-onnxruntime-training-examples", "web-demo"));
        if (!Directory.Exists(source)) Assert.Inconclusive($"Skipped: needs {source} (the shared data folder beside the repository is absent).");
        var dir = Directory.CreateDirectory(Path.Combine(_dir, "mnist")).FullName;
        foreach (var f in new[] { "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx" }) File.Copy(Path.Combine(source, f), Path.Combine(dir, f));
        File.Copy(Path.Combine(source, "checkpoint.v2"), Path.Combine(dir, "checkpoint"));
        var checkpoint = CheckpointReader.Read(Path.Combine(dir, "checkpoint"));
        new ArtifactManifest
        {
            Runtime = ArtifactManifest.OrtTrainingRuntime,
            CheckpointVersion = 2,
            SourceModel = "mnist",
            SourceSha256 = "",
            Inputs = [new TensorSpec("input", "float", [8, 784]), new TensorSpec("labels", "int64", [8])],
            LossName = "onnx::loss::8",
            LossKind = "SequenceClassificationCrossEntropy",
            PredictionName = "output",
            Trainable = checkpoint.TrainableParameters.Select(p => new TensorSpec(p.Name, "float", p.GetDims())).ToList(),
            Frozen = [],
            Gradients = [],
        }.Save(dir);
        return dir;
    }

    private static List<NamedTensor> Batch()
    {
        var random = new Random(5);
        return
        [
            NamedTensor.FromValues<float>("input", [8, 784], Enumerable.Range(0, 8 * 784).Select(_ => (float)random.NextDouble()).ToArray()),
            NamedTensor.FromValues<long>("labels", [8], Enumerable.Range(0, 8).Select(i => (long)i).ToArray()),
        ];
    }
}

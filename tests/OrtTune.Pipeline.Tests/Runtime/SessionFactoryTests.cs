using OrtTune.Pipeline.Runtime;

namespace OrtTune.Pipeline.Tests.Runtime;

[TestClass]
public sealed class SessionFactoryTests
{
    [TestMethod]
    public void Cpu_provider_is_always_available()
    {
        CollectionAssert.Contains(SessionFactory.AvailableProviders().ToList(), "CPUExecutionProvider");
        using var options = SessionFactory.CreateOptions(new SessionConfig { DisableCpuArena = true, IntraOpThreads = 1 });
        Assert.IsFalse(options.EnableCpuMemArena);
        Assert.AreEqual(1, options.IntraOpNumThreads);
    }

    [TestMethod]
    public void Cuda_without_the_gpu_runtime_fails_with_an_actionable_message()
    {
        if (SessionFactory.AvailableProviders().Contains("CUDAExecutionProvider"))
            Assert.Inconclusive("Skipped: this ONNX Runtime build has the CUDA provider, so the failure path cannot be observed.");
        var e = Assert.ThrowsExactly<DeviceUnavailableException>(() => SessionFactory.CreateOptions(new SessionConfig { Device = ExecutionDevice.Cuda }));
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", e.Message);
        Assert.Contains("--device cpu", e.Message);
    }

    /// <summary>
    /// A training graph's embedding gradient scatter-adds into zeros of the embedding's shape. With ONNX Runtime's
    /// constant folding those zeros become an initializer resident for the whole run; training sessions keep it off.
    /// </summary>
    [TestMethod]
    [DataRow(true, 1)]
    [DataRow(false, 0)]
    public void Constant_folding_decides_whether_the_embedding_gradient_zeros_stay_resident(bool fold, int expected)
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-fold-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var manifest = OrtTune.Graphs.Training.ArtifactBuilder.Build(Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", "gpt2", "model.onnx"), dir,
                new OrtTune.Graphs.Training.ArtifactOptions
                {
                    Shapes = new OrtTune.Graphs.Passes.SpecializationOptions { Batch = 2, Sequence = 8 },
                    Loss = new OrtTune.Graphs.Losses.LossOptions(OrtTune.Graphs.Losses.LossKind.CausalLMCrossEntropy),
                });
            var optimized = Path.Combine(dir, "optimized.onnx");
            using (var options = SessionFactory.CreateOptions(new SessionConfig { FoldConstants = fold }))
            {
                options.OptimizedModelFilePath = optimized;
                using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(dir, manifest.Files.Training), options);
            }
            var graph = OrtTune.Graphs.Onnx.OnnxModelIO.Load(optimized).Graph;
            int zeroTables = graph.Initializers.Count(v => v.Initializer!.Dims.SequenceEqual([100L, 32L]) && v.Initializer.ToArray<float>().All(x => x == 0));
            Assert.AreEqual(expected, zeroTables, $"[vocabulary, d] zero initializers with folding {(fold ? "on" : "off")}");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

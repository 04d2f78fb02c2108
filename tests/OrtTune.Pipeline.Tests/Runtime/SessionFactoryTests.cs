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
}

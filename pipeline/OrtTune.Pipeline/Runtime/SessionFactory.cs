using Microsoft.ML.OnnxRuntime;

namespace OrtTune.Pipeline.Runtime;

/// <summary>Raised when the requested execution device cannot be used here; the message says what to install.</summary>
public sealed class DeviceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one place OrtTune creates ONNX Runtime sessions, so device selection, threading and arena settings are
/// applied the same way everywhere, and a missing GPU runtime fails early with an actionable message.
/// </summary>
public static class SessionFactory
{
    public static InferenceSession Create(string modelPath, SessionConfig? config = null)
    {
        using var options = CreateOptions(config ?? new SessionConfig());
        return new InferenceSession(modelPath, options);
    }

    /// <summary>
    /// A session whose initializers named in <paramref name="shared"/> are those buffers, not a copy of its own. Their
    /// pre-packing is off: ONNX Runtime would pack a shared weight into a private buffer, a second copy after all.
    /// </summary>
    public static InferenceSession Create(string modelPath, SessionConfig config, SharedInitializers? shared)
    {
        if (shared is null) return Create(modelPath, config);
        using var options = CreateOptions(config with { Prepacking = false });
        shared.AddTo(options);
        return new InferenceSession(modelPath, options);
    }

    public static InferenceSession Create(byte[] model, SessionConfig? config = null)
    {
        using var options = CreateOptions(config ?? new SessionConfig());
        return new InferenceSession(model, options);
    }

    /// <summary>Session options for <paramref name="config"/>; the caller disposes them.</summary>
    public static SessionOptions CreateOptions(SessionConfig config)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = config.OptimizationLevel,
            IntraOpNumThreads = config.IntraOpThreads,
            EnableCpuMemArena = !config.DisableCpuArena,
        };
        if (!config.Prepacking) options.AddSessionConfigEntry("session.disable_prepacking", "1");
        if (config.Device == ExecutionDevice.Cuda)
        {
            try
            {
                options.AppendExecutionProvider_CUDA(config.CudaDeviceId);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                options.Dispose();
                throw new DeviceUnavailableException(
                    "The CUDA execution provider is not available in this ONNX Runtime build. Install the GPU runtime " +
                    "(the Microsoft.ML.OnnxRuntime.Gpu package, with CUDA 12 and cuDNN 9 libraries on the library path) " +
                    $"or run with --device cpu. ONNX Runtime said: {e.Message}", e);
            }
        }
        return options;
    }

    /// <summary>Execution providers compiled into the loaded ONNX Runtime library (e.g. CPUExecutionProvider).</summary>
    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();
}

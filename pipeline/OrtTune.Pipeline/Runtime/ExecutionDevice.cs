namespace OrtTune.Pipeline.Runtime;

/// <summary>Where ONNX Runtime executes a graph.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's CPU execution provider (always available).</summary>
    Cpu,
    /// <summary>The CUDA execution provider; needs Microsoft.ML.OnnxRuntime.Gpu's native libraries and an NVIDIA driver.</summary>
    Cuda,
}

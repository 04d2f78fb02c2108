using OrtTune.Graphs.IR;
using OrtTune.Pipeline.Data;

namespace OrtTune.Graphs.Tests.TestSupport;

/// <summary>Reads NumPy .npy files (the pipeline's reader) as IR tensors for golden tests.</summary>
public static class Npy
{
    public static Tensor Read(string path)
    {
        var t = NpyFile.Read(path);
        return Tensor.FromRaw((DataType)(int)t.ElementType, t.GetDims(), t.RawData.ToArray());
    }
}

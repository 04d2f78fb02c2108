using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OrtTune.Pipeline.Training;

/// <summary>Native tensors owned by the runner: allocated once, filled in place, never copied through managed arrays per step.</summary>
internal static class OrtValues
{
    public static OrtValue Allocate(int elemType, long[] dims) =>
        OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)elemType, dims);

    public static OrtValue FromHost(OrtTune.Artifacts.Checkpoints.NamedTensor t)
    {
        var value = Allocate((int)t.ElementType, t.GetDims());
        Fill(value, t.RawData.Span);
        return value;
    }

    public static void Fill(OrtValue value, ReadOnlySpan<byte> data)
    {
        var target = value.GetTensorMutableRawData();
        if (target.Length != data.Length)
            throw new ArgumentException($"Tensor needs {target.Length} bytes, got {data.Length}.");
        data.CopyTo(target);
    }

    public static void Zero(OrtValue value) => value.GetTensorMutableRawData().Clear();

    public static byte[] Bytes(OrtValue value) => value.GetTensorMutableRawData().ToArray();

    public static float ReadFloat(OrtValue value) => value.GetTensorDataAsSpan<float>()[0];
}

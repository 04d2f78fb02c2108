namespace OrtTune.Pipeline.Training;

/// <summary>Host-side tensor data: a name, the ONNX element type number, static dims and little-endian bytes.</summary>
public sealed record HostTensor(string Name, int ElemType, long[] Dims, byte[] Data)
{
    public static HostTensor Int64(string name, long[] data, params long[] dims) =>
        new(name, 7, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static HostTensor Float(string name, float[] data, params long[] dims) =>
        new(name, 1, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
}

using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Graphs.IR;

/// <summary>
/// Moves tensors between the compiler's IR and the checkpoint codec's <see cref="NamedTensor"/>: the two element-type
/// enums share ONNX's numbering, so the conversion is a cast and a byte copy.
/// </summary>
internal static class NamedTensorConversion
{
    /// <summary>The tensor under <paramref name="name"/>, for a checkpoint (the bytes are not copied).</summary>
    public static NamedTensor ToNamed(this Tensor tensor, string name) =>
        NamedTensor.FromRawData(name, (TensorElementType)(int)tensor.DataType, tensor.Dims.ToArray(), tensor.RawBytes);

    /// <summary>A checkpoint tensor as an IR tensor (for initializers).</summary>
    public static Tensor ToTensor(this NamedTensor tensor) =>
        Tensor.FromRaw((DataType)(int)tensor.ElementType, tensor.GetDims(), tensor.RawData.ToArray());
}

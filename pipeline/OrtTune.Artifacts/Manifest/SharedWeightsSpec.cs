namespace OrtTune.Artifacts.Manifest;

/// <summary>One tensor in the shared-weights file: raw little-endian bytes at <see cref="Offset"/>.</summary>
public sealed record SharedTensorSpec(string Name, string ElemType, long[] Shape, long Offset, long Length);

/// <summary>
/// Initializers the training and eval graphs both hold (the frozen weights, mostly), stored once in
/// <see cref="File"/> beside the graphs. Both graphs refer to it as ONNX external data; the portable runner loads
/// each tensor once and hands the same buffer to both sessions, so evaluating does not add a second copy.
/// </summary>
public sealed record SharedWeightsSpec
{
    public const string DefaultFile = "shared_weights.bin";

    /// <summary>File name, relative to the artifacts directory. Default "shared_weights.bin".</summary>
    public string File { get; init; } = DefaultFile;

    /// <summary>The tensors, in file order.</summary>
    public required List<SharedTensorSpec> Tensors { get; init; }
}

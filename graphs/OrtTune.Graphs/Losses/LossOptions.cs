namespace OrtTune.Graphs.Losses;

/// <summary>What <see cref="Loss.Append"/> builds and how it names what it adds.</summary>
public sealed record LossOptions(LossKind Kind)
{
    /// <summary>
    /// Label value excluded from a cross-entropy (padding, prompt tokens), as PyTorch's ignore_index. Default -100.
    /// Ignored by the float losses.
    /// </summary>
    public long IgnoreIndex { get; init; } = -100;

    /// <summary>
    /// Name of the graph input the labels (or targets) are fed through. Default: "labels" for the cross-entropies,
    /// "target" for MSE and BCE (the names ONNX Runtime's training artifacts use).
    /// </summary>
    public string? LabelsName { get; init; }

    /// <summary>Name of the scalar loss value. Default "loss".</summary>
    public string LossName { get; init; } = "loss";

    /// <summary>Prefix of the names of the loss block's nodes and constants. Default "loss/".</summary>
    public string NamePrefix { get; init; } = "loss/";

    /// <summary>The labels input name after defaults.</summary>
    public string ResolvedLabelsName => LabelsName ?? Kind switch
    {
        LossKind.MeanSquaredError or LossKind.BinaryCrossEntropyWithLogits => "target",
        _ => "labels",
    };
}

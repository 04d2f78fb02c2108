using OrtTune.Graphs.Losses;

namespace OrtTune.Graphs.Gnn;

/// <summary>Loss and optimizer of one GNN training unit (the protocol's settings by default).</summary>
public sealed record GnnTrainingOptions
{
    /// <summary>The loss on the unit's output. Default cross-entropy over the training nodes (labels −100 elsewhere).</summary>
    public LossKind Loss { get; init; } = LossKind.SequenceClassificationCrossEntropy;

    /// <summary>Adam learning rate. Default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Weight decay. Default 5e-4. The reference uses torch.optim.Adam's coupled L2 term; OrtTune's optimizer graph
    /// applies it decoupled (AdamW), the one deviation from the protocol's optimizer.
    /// </summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>Global gradient-norm clipping. Default none (Top-to-Loss uses 1.0).</summary>
    public double? MaxGradNorm { get; init; }
}

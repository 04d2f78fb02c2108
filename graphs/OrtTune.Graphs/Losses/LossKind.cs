namespace OrtTune.Graphs.Losses;

/// <summary>The loss blocks OrtTune can append to a model's output (see <see cref="Loss.Append"/>).</summary>
public enum LossKind
{
    /// <summary>Cross-entropy of logits [B, C] against int64 class labels [B]; mean over the labelled rows.</summary>
    SequenceClassificationCrossEntropy,

    /// <summary>
    /// Next-token cross-entropy of logits [B, S, V] against int64 labels [B, S] (usually the input ids): position t
    /// predicts labels[t+1]; mean over the predictions whose label is not the ignore index.
    /// </summary>
    CausalLMCrossEntropy,

    /// <summary>Mean squared error against a float target of the prediction's shape.</summary>
    MeanSquaredError,

    /// <summary>Binary cross-entropy on logits against a float target in [0, 1] of the prediction's shape; mean.</summary>
    BinaryCrossEntropyWithLogits,
}

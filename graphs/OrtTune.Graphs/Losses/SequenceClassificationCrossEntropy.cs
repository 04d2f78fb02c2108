using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Losses;

/// <summary>Cross-entropy of classifier logits [B, C] against int64 labels [B] (ignore index allowed), mean over labelled rows.</summary>
internal static class SequenceClassificationCrossEntropy
{
    public static void CheckShape(long[] shape)
    {
        if (shape.Length != 2)
            throw new ArgumentException($"Sequence-classification cross-entropy needs logits [batch, classes]; got [{string.Join(", ", shape)}].");
    }

    public static Value Build(OpBuilder ops, Value logits, LossOptions options)
    {
        var shape = OpBuilder.StaticShape(logits);
        CheckShape(shape);
        var labels = Loss.LabelsInput(ops.Graph, options, shape[0]);
        return CrossEntropyCore.MaskedMean(ops, logits, labels, shape[1], options.IgnoreIndex);
    }
}

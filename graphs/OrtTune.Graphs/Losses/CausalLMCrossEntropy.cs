using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Losses;

/// <summary>
/// Next-token cross-entropy: logits [B, S, V], labels [B, S]; position t predicts labels[t+1], so the shift happens
/// here and the runner feeds unshifted labels (the input ids, with -100 over padding and prompt). Equal to PyTorch's
/// F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100).
/// </summary>
internal static class CausalLMCrossEntropy
{
    public static void CheckShape(long[] shape)
    {
        if (shape.Length != 3)
            throw new ArgumentException($"Causal-LM cross-entropy needs logits [batch, sequence, vocabulary]; got [{string.Join(", ", shape)}].");
        if (shape[1] < 2)
            throw new ArgumentException($"Causal-LM cross-entropy needs sequences of at least 2 tokens; the logits are [{string.Join(", ", shape)}].");
    }

    public static Value Build(OpBuilder ops, Value logits, LossOptions options)
    {
        var shape = OpBuilder.StaticShape(logits);
        CheckShape(shape);
        var (batch, seq, vocab) = (shape[0], shape[1], shape[2]);
        var labels = Loss.LabelsInput(ops.Graph, options, batch, seq);

        var predicting = ops.Op("Slice", logits, ops.Ints(0), ops.Ints(seq - 1), ops.Ints(1));   // positions 0 … S−2
        var targets = ops.Op("Slice", labels, ops.Ints(1), ops.Ints(seq), ops.Ints(1));          // labels 1 … S−1
        var flatLogits = ops.Reshape(predicting, batch * (seq - 1), vocab);
        var flatTargets = ops.Reshape(targets, batch * (seq - 1));
        return CrossEntropyCore.MaskedMean(ops, flatLogits, flatTargets, vocab, options.IgnoreIndex);
    }
}

using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// TokenTune's causal-LM loss: next-token cross-entropy on the selected positions only. The logits are [B, k, V]
/// (one row per selection slot); the labels input stays [B, n] as without TokenTune. The target of the slot holding
/// position s is labels[s + 1] of the original sequence, whether or not s + 1 is selected; the last position and
/// unused slots get the ignore index. Mean over the slots with a target, as the reference does.
/// </summary>
public static class TokenTuneLoss
{
    public static Value Append(Model model, Value logits, TokenTuneRewrite.Result selection, LossOptions options, long sequence)
    {
        if (options.Kind != LossKind.CausalLMCrossEntropy)
            throw new ArgumentException($"TokenTune's per-token prediction '{logits.Name}' needs the causal-LM loss, not {options.Kind}.");
        var graph = model.Graph;
        var shape = OpBuilder.StaticShape(logits);
        if (shape.Length != 3 || shape[1] != selection.Count)
            throw new ArgumentException($"TokenTune's causal-LM loss needs logits [batch, {selection.Count}, vocabulary]; '{logits.Name}' is [{string.Join(", ", shape)}].");
        if (graph.Inputs.Any(v => v.Name == options.ResolvedLabelsName) || graph.Inputs.Any(v => v.Name == options.LossName))
            throw new ArgumentException($"Cannot add the labels input '{options.ResolvedLabelsName}': the model already has a value of that name.");
        var (batch, k, vocab) = (shape[0], shape[1], shape[2]);

        var ops = new OpBuilder(graph, model.OpsetImports, options.NamePrefix);
        var labels = graph.AddInput(options.ResolvedLabelsName, new TensorType(DataType.Int64, new Shape(batch, sequence)));
        var ignore = ops.Builder.Constant(Tensor.FromArray(Enumerable.Repeat(options.IgnoreIndex, (int)batch).ToArray(), batch, 1), "ignore");
        var next = ops.Op("Concat", [ops.Op("Slice", labels, ops.Ints(1), ops.Ints(sequence), ops.Ints(1)), ignore], Attribute.Of("axis", 1L));
        var targets = ops.Op("GatherElements", [next, selection.Indices], Attribute.Of("axis", 1L));    // [B, k]
        var inUse = ops.Op("Equal", selection.Mask, ops.Scalar(1, DataType.Int64));
        targets = ops.Op("Where", inUse, targets, ops.Scalar(options.IgnoreIndex, DataType.Int64));

        var x = logits.ElemType is DataType.Float or DataType.Double ? logits : ops.Op("Cast", [logits], Attribute.Of("to", (long)DataType.Float));
        var loss = CrossEntropyCore.MaskedMean(ops, ops.Reshape(x, batch * k, vocab), ops.Reshape(targets, batch * k), vocab, options.IgnoreIndex);
        graph.RenameValue(loss, options.LossName);
        return loss;
    }
}

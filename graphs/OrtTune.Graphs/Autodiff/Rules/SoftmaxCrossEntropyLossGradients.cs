using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// SoftmaxCrossEntropyLoss(scores [N, C, d…], labels [N, d…], weights? [C]) → loss, log_prob?, the loss block of ONNX
/// Runtime's training artifacts. With p = softmax(scores) over axis 1, y the one-hot labels and wᵢ the weight of
/// element i (weights[labelᵢ], or 1; 0 where labelᵢ is ignore_index):
/// d loss / d scores = (p − y) · wᵢ · c, where c is g for reduction "none" (g per element) and "sum", and
/// g / Σwᵢ for "mean". A gradient arriving on log_prob adds g_lp − p · Σ_C g_lp (the LogSoftmax backward).
/// Labels and weights are data: they get no gradient.
/// </summary>
internal static class SoftmaxCrossEntropyLossGradients
{
    public static void SoftmaxCrossEntropyLoss(GradientContext c)
    {
        if (!c.NeedsGrad(0)) return;
        var o = c.Ops;
        var scores = c.Input(0);
        var type = scores.ElemType;
        var dims = c.Shape(scores);
        if (dims.Length < 2) throw new NotSupportedException($"{c.Describe()}: scores need rank 2 or more, got [{string.Join(",", dims)}].");
        string reduction = c.Node.GetString("reduction", "mean");
        if (reduction is not ("mean" or "sum" or "none"))
            throw new NotSupportedException($"{c.Describe()}: unknown reduction '{reduction}'.");

        var logProb = c.Node.Outputs.Count > 1 && c.Node.Outputs[1] is { } lp ? lp : o.Op("LogSoftmax", [scores], Attribute.Of("axis", 1L));
        var prob = o.Op("Exp", logProb);
        var diff = o.Op("Sub", prob, OneHot(c, dims, out var weight));

        Value? dScores = null;
        if (c.OutputGrad(0) is { } g)
        {
            // Per-element coefficient, shaped like the labels [N, d…] (or a scalar when every element counts alike).
            Value coefficient = reduction switch
            {
                "none" => weight is null ? g : o.Op("Mul", g, weight),
                "sum" => weight is null ? g : o.Op("Mul", weight, g),
                _ => weight is null
                    ? o.Op("Div", g, o.Scalar(dims.Where((_, i) => i != 1).Aggregate(1L, (a, b) => a * b), type))
                    : o.Op("Mul", o.Op("Div", weight, o.ReduceSum(weight, Enumerable.Range(0, dims.Length - 1).Select(i => (long)i).ToArray(), keepDims: false)), g),
            };
            if (OpBuilder.Rank(coefficient) > 0) coefficient = o.Unsqueeze(coefficient, 1);
            dScores = o.Op("Mul", diff, coefficient);
        }
        if (c.Node.Outputs.Count > 1 && c.OutputGrad(1) is { } gLogProb)
        {
            var back = o.Op("Sub", gLogProb, o.Op("Mul", prob, o.ReduceSum(gLogProb, [1], keepDims: true)));
            dScores = dScores is null ? back : o.Op("Add", dScores, back);
        }
        if (dScores is not null) c.SetGrad(0, dScores);
    }

    /// <summary>
    /// The one-hot labels [N, C, d…] as a float of the scores' type (Equal against a class-index column, so an ignored
    /// label matches no class), and the per-element weight [N, d…], or null when every element weighs 1.
    /// </summary>
    private static Value OneHot(GradientContext c, long[] dims, out Value? weight)
    {
        var o = c.Ops;
        var type = c.Input(0).ElemType;
        var labels = c.Input(1);
        labels = o.Cast(labels, DataType.Int64);
        var classShape = new long[dims.Length];
        Array.Fill(classShape, 1L);
        classShape[1] = dims[1];
        var classes = o.Builder.Constant(Tensor.FromArray(Enumerable.Range(0, (int)dims[1]).Select(i => (long)i).ToArray(), classShape), "classes");
        var oneHot = o.Op("Cast", [o.Op("Equal", o.Unsqueeze(labels, 1), classes)], Attribute.Of("to", (long)type));

        weight = null;
        if (c.OptionalInput(2) is { } weights)
        {
            // Gather needs an index in range; an ignored label's weight is zeroed below anyway.
            var index = o.Op("Where", o.Op("Less", labels, o.Scalar(0, DataType.Int64)), o.Scalar(0, DataType.Int64), labels);
            weight = o.Op("Gather", weights, index);
        }
        if (c.Node.Attr("ignore_index") is { } ignore)
        {
            var kept = o.Op("Cast", [o.Op("Not", o.Op("Equal", labels, o.Scalar(ignore.AsInt(), DataType.Int64)))], Attribute.Of("to", (long)type));
            weight = weight is null ? kept : o.Op("Mul", weight, kept);
        }
        return oneHot;
    }
}

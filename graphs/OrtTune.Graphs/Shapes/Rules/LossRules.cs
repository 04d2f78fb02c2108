using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss: scores [N, C, d...], labels [N, d...].</summary>
internal static class LossRules
{
    public static void Loss(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var scores = ctx.InputShape(0);
        var labels = ctx.InputShape(1);
        if (scores is not null && scores.Rank < 2) throw ctx.Error($"scores {scores} must have rank 2 or more.");
        if (scores is not null && labels is not null)
        {
            if (labels.Rank != scores.Rank - 1) throw ctx.Error($"labels {labels} must have rank {scores.Rank - 1} for scores {scores}.");
            for (int i = 0; i < labels.Rank; i++)
                DimAlgebra.Unify(scores[i == 0 ? 0 : i + 1], labels[i], ctx, $"labels dimension {i}");
        }
        // Without reduction the loss is per label; otherwise a scalar.
        var loss = ctx.GetString("reduction", "mean") == "none"
            ? labels ?? (scores is null ? null : new Shape(scores.Where((_, i) => i != 1)))
            : Shape.Scalar;
        ctx.SetOutput(0, elem, loss);
        ctx.SetOutput(1, elem, scores);
    }
}

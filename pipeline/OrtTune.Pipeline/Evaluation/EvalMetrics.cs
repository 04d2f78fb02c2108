namespace OrtTune.Pipeline.Evaluation;

/// <summary>
/// Metrics of the eval graph over an eval source. Which are set depends on the loss: accuracy and macro-F1 for
/// classification, perplexity and next-token accuracy for causal LMs, the loss always.
/// </summary>
/// <param name="Loss">Mean loss (token-weighted for causal LMs, example-weighted otherwise).</param>
/// <param name="Examples">Examples (batch rows) evaluated.</param>
/// <param name="Accuracy">Fraction of argmax predictions equal to the label (the next token for causal LMs).</param>
/// <param name="MacroF1">Unweighted mean of per-class F1 over the classes that occur as label or prediction.</param>
/// <param name="Perplexity">exp(mean next-token loss) for causal LMs.</param>
public sealed record EvalMetrics(double Loss, long Examples, double? Accuracy = null, double? MacroF1 = null, double? Perplexity = null)
{
    /// <summary>Metric names <see cref="Get"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = ["loss", "accuracy", "f1", "perplexity"];

    /// <summary>The metric called <paramref name="name"/> (loss, accuracy, f1, perplexity); null when this loss kind lacks it.</summary>
    public double? Get(string name) => name switch
    {
        "loss" => Loss,
        "accuracy" => Accuracy,
        "f1" => MacroF1,
        "perplexity" => Perplexity,
        _ => throw new ArgumentException($"Unknown metric '{name}'; choose one of {string.Join(", ", Names)}."),
    };

    /// <summary>Whether a larger value of <paramref name="name"/> is better (accuracy, f1) or a smaller one (loss, perplexity).</summary>
    public static bool HigherIsBetter(string name) => name switch
    {
        "accuracy" or "f1" => true,
        "loss" or "perplexity" => false,
        _ => throw new ArgumentException($"Unknown metric '{name}'; choose one of {string.Join(", ", Names)}."),
    };

    public override string ToString() =>
        $"loss {Loss:F4}" + (Accuracy is { } a ? $", accuracy {a:P2}" : "") + (MacroF1 is { } f ? $", macro-F1 {f:F4}" : "") +
        (Perplexity is { } p ? $", perplexity {p:F3}" : "") + $" ({Examples} examples)";
}

using System.Globalization;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Metrics;

/// <summary>One row of a run's metrics: a training step (phase "train") or an evaluation (phase "eval").</summary>
public sealed record MetricRecord
{
    /// <summary>Column names, in CSV order; JSONL uses the same keys.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["step", "epoch", "phase", "loss", "lr", "grad_norm", "tokens_per_s", "rss_mb", "elapsed_s", "eval_loss", "eval_accuracy", "eval_f1", "eval_perplexity"];

    public long Step { get; init; }
    public long Epoch { get; init; }
    public string Phase { get; init; } = "train";
    public double? Loss { get; init; }
    public double? LearningRate { get; init; }
    public double? GradNorm { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? RssMegabytes { get; init; }
    public double? ElapsedSeconds { get; init; }
    public double? EvalLoss { get; init; }
    public double? EvalAccuracy { get; init; }
    public double? EvalF1 { get; init; }
    public double? EvalPerplexity { get; init; }

    public static MetricRecord From(StepReport r) => new()
    {
        Step = r.Step, Epoch = r.Epoch, Phase = "train", Loss = r.Loss, LearningRate = r.LearningRate, GradNorm = r.GradNorm,
        TokensPerSecond = r.TokensPerSecond, RssMegabytes = r.RssBytes / 1048576.0, ElapsedSeconds = r.Elapsed.TotalSeconds,
    };

    public static MetricRecord From(EvalReport r, long epoch) => new()
    {
        Step = r.Step, Epoch = epoch, Phase = "eval", EvalLoss = r.Metrics.Loss, EvalAccuracy = r.Metrics.Accuracy,
        EvalF1 = r.Metrics.MacroF1, EvalPerplexity = r.Metrics.Perplexity,
    };

    /// <summary>Values in <see cref="Columns"/> order; null where the row has none.</summary>
    public IReadOnlyList<object?> Values() =>
        [Step, Epoch, Phase, Loss, LearningRate, GradNorm, TokensPerSecond, RssMegabytes, ElapsedSeconds, EvalLoss, EvalAccuracy, EvalF1, EvalPerplexity];

    /// <summary>Reads a row from its CSV fields (in <see cref="Columns"/> order).</summary>
    public static MetricRecord Parse(IReadOnlyList<string> fields)
    {
        if (fields.Count != Columns.Count)
            throw new InvalidDataException($"A metrics row needs {Columns.Count} fields ({string.Join(",", Columns)}), got {fields.Count}.");
        double? D(int i) => fields[i].Length == 0 ? null : double.Parse(fields[i], CultureInfo.InvariantCulture);
        return new MetricRecord
        {
            Step = long.Parse(fields[0], CultureInfo.InvariantCulture), Epoch = long.Parse(fields[1], CultureInfo.InvariantCulture),
            Phase = fields[2], Loss = D(3), LearningRate = D(4), GradNorm = D(5), TokensPerSecond = D(6), RssMegabytes = D(7),
            ElapsedSeconds = D(8), EvalLoss = D(9), EvalAccuracy = D(10), EvalF1 = D(11), EvalPerplexity = D(12),
        };
    }
}

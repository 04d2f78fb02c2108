namespace OrtTune.Graphs.Optimizers;

/// <summary>Settings every optimizer graph shares: weight decay, its exclusions, gradient clipping, the file's opset.</summary>
public abstract record OptimizerOptions
{
    /// <summary>Weight-decay coefficient (default per optimizer).</summary>
    public abstract double WeightDecay { get; init; }

    /// <summary>
    /// Parameters that get no weight decay, usually biases and norm weights: names or globs ('*', '?'), e.g.
    /// "*.bias", "*norm*". Default none.
    /// </summary>
    public IReadOnlyList<string> NoWeightDecay { get; init; } = [];

    /// <summary>
    /// Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: with total = √(Σ‖g‖²), every gradient is
    /// multiplied by max_norm / (total + 1e-6) when that is below 1. Default null (no clipping).
    /// </summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Output the global gradient norm (before clipping) even without clipping. Default false.</summary>
    public bool ReportGradNorm { get; init; }

    /// <summary>Default-domain opset of the optimizer model (13 or later). Default 17.</summary>
    public long Opset { get; init; } = 17;
}

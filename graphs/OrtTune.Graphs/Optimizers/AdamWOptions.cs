namespace OrtTune.Graphs.Optimizers;

/// <summary>torch.optim.AdamW hyper-parameters (amsgrad off), with PyTorch's defaults except where noted.</summary>
public sealed record AdamWOptions : OptimizerOptions
{
    /// <summary>Decay of the first moment. Default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay of the second moment. Default 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to the bias-corrected √v. Default 1e-8.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay: p ← p·(1 − lr·wd) before the Adam step. Default 0.01.</summary>
    public override double WeightDecay { get; init; } = 0.01;

    /// <summary>
    /// Use the Hugging Face form (transformers' AdamW; ONNX Runtime's AdamWOptimizer with adam_mode 1, onnxblock's
    /// default) instead of torch's: p ← p − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε), then p ← p − lr·wd·p. ε is added to √v
    /// before the bias correction rather than after it, and the decay follows the update. Default false (torch).
    /// </summary>
    public bool HuggingFaceForm { get; init; }
}

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
}

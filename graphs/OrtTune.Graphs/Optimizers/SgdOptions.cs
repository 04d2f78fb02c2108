namespace OrtTune.Graphs.Optimizers;

/// <summary>torch.optim.SGD hyper-parameters.</summary>
public sealed record SgdOptions : OptimizerOptions
{
    /// <summary>Momentum factor μ; 0 gives plain SGD with no state. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Dampening of the gradient entering the momentum buffer (not on the first step). Default 0.</summary>
    public double Dampening { get; init; }

    /// <summary>Nesterov momentum (needs momentum &gt; 0 and no dampening). Default false.</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 penalty added to the gradient: g ← g + wd·p. Default 0.</summary>
    public override double WeightDecay { get; init; }
}

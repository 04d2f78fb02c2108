namespace OrtTune.Pipeline.Graphs;

/// <summary>The training protocol's loop settings (ForwardGNN's defaults).</summary>
public sealed record GnnTrainerOptions
{
    /// <summary>Most epochs per training unit (per layer for the forward methods). Default 1000.</summary>
    public int Epochs { get; init; } = 1000;

    /// <summary>Validate every this many epochs. Default 2.</summary>
    public int ValidateEvery { get; init; } = 2;

    /// <summary>Stop after this many validations without a better validation accuracy; negative disables early stopping. Default 100.</summary>
    public int Patience { get; init; } = 100;

    /// <summary>Learning rate fed to the optimizer graph. Default 1e-3.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Top-to-Input: time steps of each evaluation (after a bottom-up pass), whose class probabilities are summed. Default 10.</summary>
    public int TestTimeSteps { get; init; } = 10;

    /// <summary>Measure each layer's peak resident memory (Linux VmHWM, reset before the layer). Default true where supported.</summary>
    public bool MeasureMemory { get; init; } = Diagnostics.PeakMemory.IsSupported;
}

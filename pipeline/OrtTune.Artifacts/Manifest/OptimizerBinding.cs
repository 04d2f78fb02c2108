namespace OrtTune.Artifacts.Manifest;

/// <summary>The optimizer model's inputs and outputs for one parameter (see the optimizer builders).</summary>
/// <param name="CheckpointStates">Names the states take in the checkpoint (ORT's: momentum0, momentum1), in state order.</param>
public sealed record OptimizerSlotSpec(
    string Parameter,
    string Gradient,
    List<string> States,
    string UpdatedParameter,
    List<string> UpdatedStates,
    List<string> CheckpointStates);

/// <summary>How the runner binds the optimizer model: scalar inputs and one slot per trainable parameter.</summary>
public sealed record OptimizerBinding
{
    public string LearningRate { get; init; } = "learning_rate";
    public string Step { get; init; } = "step";
    /// <summary>Optional input scaling every gradient (1/k for k accumulated micro-batches); null when absent.</summary>
    public string? GradScale { get; init; }
    /// <summary>Optional output with the global gradient norm before clipping; null when absent.</summary>
    public string? GradNorm { get; init; }
    public List<OptimizerSlotSpec> Slots { get; init; } = [];
}

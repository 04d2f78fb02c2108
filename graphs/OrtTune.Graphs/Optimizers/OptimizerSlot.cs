namespace OrtTune.Graphs.Optimizers;

/// <summary>The optimizer model's inputs and outputs for one parameter.</summary>
/// <param name="Parameter">Parameter input (and its name in the training model).</param>
/// <param name="Gradient">Gradient input.</param>
/// <param name="States">State inputs (zeros before the first step), in the optimizer's order.</param>
/// <param name="UpdatedParameter">Output with the new parameter.</param>
/// <param name="UpdatedStates">Outputs with the new states, in the order of <paramref name="States"/>.</param>
/// <param name="WeightDecay">Whether weight decay applies to this parameter.</param>
public sealed record OptimizerSlot(
    string Parameter,
    string Gradient,
    IReadOnlyList<string> States,
    string UpdatedParameter,
    IReadOnlyList<string> UpdatedStates,
    bool WeightDecay);

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// The content of an ONNX Runtime training checkpoint: parameters (trainable and frozen), optional optimizer state and
/// user properties. Independent of ONNX Runtime and of the graph compiler; read with <see cref="CheckpointReader"/>,
/// written with <see cref="CheckpointWriter"/>.
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>
    /// The format version the checkpoint was read with (<see cref="CheckpointFormat.CurrentVersion"/> for a new one).
    /// The writer writes the version its options name, not this one.
    /// </summary>
    public int Version { get; init; } = CheckpointFormat.CurrentVersion;

    /// <summary>Parameters that receive gradients (ORT's requires_grad_params), in file order.</summary>
    public List<NamedTensor> TrainableParameters { get; init; } = [];

    /// <summary>Parameters fed to the graphs but not trained (ORT's frozen_params), in file order.</summary>
    public List<NamedTensor> FrozenParameters { get; init; } = [];

    /// <summary>True when the tensors are names and shapes only, without meaningful data (version 2 and later).</summary>
    public bool IsNominalState { get; set; }

    public List<OptimizerGroup> OptimizerGroups { get; init; } = [];

    public CheckpointPropertyBag PropertyBag { get; init; } = new();

    /// <summary>Trainable then frozen parameters.</summary>
    public IEnumerable<NamedTensor> AllParameters => TrainableParameters.Concat(FrozenParameters);

    /// <summary>The parameter (trainable or frozen) named <paramref name="name"/>, or null.</summary>
    public NamedTensor? FindParameter(string name) =>
        TrainableParameters.Find(t => t.Name == name) ?? FrozenParameters.Find(t => t.Name == name);

    /// <summary>The optimizer group named <paramref name="groupName"/>, or null.</summary>
    public OptimizerGroup? FindOptimizerGroup(string groupName) => OptimizerGroups.Find(g => g.GroupName == groupName);

    /// <summary>Total elements of the parameters, as ORT's GetParametersSize counts them.</summary>
    public long ParameterElementCount(bool trainableOnly) =>
        (trainableOnly ? TrainableParameters : AllParameters).Sum(t => t.ElementCount);

    public override string ToString() =>
        $"checkpoint v{Version}: {TrainableParameters.Count} trainable, {FrozenParameters.Count} frozen, " +
        $"{OptimizerGroups.Count} optimizer groups, {PropertyBag.Count} properties{(IsNominalState ? ", nominal" : "")}";
}

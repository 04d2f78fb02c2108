namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// One optimizer group of a checkpoint: its name, the number of optimizer steps taken, the initial learning rate and
/// the per-parameter states. ONNX Runtime's training API uses a single group named <see cref="DefaultGroupName"/>.
/// </summary>
public sealed class OptimizerGroup
{
    /// <summary>The group name ONNX Runtime's training API creates and looks for.</summary>
    public const string DefaultGroupName = "group0";

    /// <summary>State names ONNX Runtime uses: AdamW keeps both, SGD only the first.</summary>
    public const string FirstMomentName = "momentum0", SecondMomentName = "momentum1";

    public OptimizerGroup(string groupName = DefaultGroupName)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        GroupName = groupName;
    }

    public string GroupName { get; }

    public long Step { get; set; }

    public float InitialLearningRate { get; set; }

    /// <summary>Per-parameter states in file order.</summary>
    public List<ParameterOptimizerState> ParameterStates { get; } = [];

    /// <summary>The state of <paramref name="parameterName"/>, or null.</summary>
    public ParameterOptimizerState? Find(string parameterName) => ParameterStates.Find(p => p.ParameterName == parameterName);

    /// <summary>
    /// A fresh AdamW group: step 0, the given learning rate and zero <c>momentum0</c>/<c>momentum1</c> shaped like each
    /// trainable parameter — what ONNX Runtime creates itself when a checkpoint has no optimizer state.
    /// </summary>
    public static OptimizerGroup CreateAdamW(IEnumerable<NamedTensor> trainableParameters, float initialLearningRate,
        string groupName = DefaultGroupName)
    {
        ArgumentNullException.ThrowIfNull(trainableParameters);
        var group = new OptimizerGroup(groupName) { InitialLearningRate = initialLearningRate };
        foreach (var p in trainableParameters)
        {
            if (p.ElementType == TensorElementType.String)
                throw new ArgumentException($"Parameter '{p.Name}' is a string tensor and cannot have optimizer state.", nameof(trainableParameters));
            // Tensors are immutable, so both moments may share one zero buffer.
            var zeros = new byte[checked((int)p.ExpectedByteCount)];
            var dims = p.GetDims();
            group.ParameterStates.Add(new ParameterOptimizerState(p.Name,
            [
                NamedTensor.FromRawData(FirstMomentName, p.ElementType, dims, zeros),
                NamedTensor.FromRawData(SecondMomentName, p.ElementType, dims, zeros),
            ]));
        }
        return group;
    }

    public override string ToString() => $"{GroupName}: step {Step}, lr {InitialLearningRate}, {ParameterStates.Count} parameter states";
}

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// The optimizer state of one trainable parameter: named tensors shaped like the parameter, e.g. AdamW's
/// <c>momentum0</c> and <c>momentum1</c> (the tensor name is the state name).
/// </summary>
public sealed class ParameterOptimizerState
{
    public ParameterOptimizerState(string parameterName, IEnumerable<NamedTensor>? states = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(parameterName);
        ParameterName = parameterName;
        States = states is null ? [] : [.. states];
    }

    public string ParameterName { get; }

    /// <summary>The state tensors in file order.</summary>
    public List<NamedTensor> States { get; }

    /// <summary>The state named <paramref name="stateName"/>, or null.</summary>
    public NamedTensor? Find(string stateName) => States.Find(s => s.Name == stateName);

    public override string ToString() => $"{ParameterName}: {string.Join(", ", States.Select(s => s.Name))}";
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Training;

/// <summary>
/// Turns trainable initializers into graph inputs of the same name and type, so that the runner feeds parameter
/// tensors it owns (and updates in place) instead of ONNX Runtime holding a private copy.
/// </summary>
public static class ParameterInputs
{
    /// <summary>Moves <paramref name="parameters"/> to the graph inputs; returns their initial values by name.</summary>
    public static Dictionary<string, Tensor> Lift(Graph graph, IEnumerable<Value> parameters)
    {
        var initial = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            var data = p.Initializer ?? throw new InvalidOperationException($"'{p.Name}' is not an initializer.");
            graph.RemoveInitializer(p);
            p.Type = data.Type;
            if (!graph.Inputs.Contains(p)) graph.AddInput(p);
            initial[p.Name] = data;
        }
        return initial;
    }
}

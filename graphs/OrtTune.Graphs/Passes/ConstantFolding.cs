using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;

namespace OrtTune.Graphs.Passes;

/// <summary>
/// Replaces node outputs whose values shape inference computed (shape subgraphs, small constant arithmetic) with
/// initializers, then removes the nodes that became dead. Only the frontier is materialised: a known value read by
/// a node that is not itself fully known (or a graph output), so chains of shape arithmetic collapse into one
/// constant. Model parameters are never folded (see <see cref="ShapeInferenceOptions.MaxFoldElements"/>).
/// </summary>
public sealed class ConstantFolding(ShapeInferenceOptions? options = null) : IPass
{
    public string Name => "constant-folding";

    public PassResult Run(Model model)
    {
        var result = ShapeInference.Run(model, options);
        int folded = Apply(model.Graph, result.KnownValues);
        var (nodes, _) = DeadCodeElimination.Sweep(model.Graph);
        return new PassResult(folded > 0 || nodes > 0, $"folded {folded} values, removed {nodes} nodes");
    }

    /// <summary>Materialises the frontier of <paramref name="known"/> in <paramref name="graph"/>; returns how many values were replaced.</summary>
    public static int Apply(Graph graph, IReadOnlyDictionary<Value, Tensor> known)
    {
        int count = 0;
        foreach (var node in graph.Nodes.ToList())
        {
            foreach (var output in node.Outputs)
            {
                if (output is null || !known.TryGetValue(output, out var tensor)) continue;
                if (graph.Outputs.Contains(output)) continue; // Keep the graph's interface names as they are.
                bool frontier = output.Uses.Any(u => u.Node.Graph != graph || u.Node.Outputs.Any(o => o is null || !known.ContainsKey(o)));
                if (!frontier) continue;
                // A copy, so marking it never touches a tensor some initializer shares.
                var data = tensor.DataType == DataType.String
                    ? Tensor.FromStrings(tensor.Dims.ToArray(), tensor.Strings)
                    : Tensor.FromRaw(tensor.DataType, tensor.Dims.ToArray(), tensor.RawBytes);
                data.MarkFolded();
                var constant = graph.AddInitializer(graph.UniqueName(output.Name), data);
                output.ReplaceAllUsesWith(constant);
                count++;
            }
        }
        return count;
    }
}

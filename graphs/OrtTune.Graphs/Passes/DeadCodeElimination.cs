using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Passes;

/// <summary>
/// Removes nodes whose outputs nobody reads (graph outputs and reads from inside subgraphs count as reads), then
/// initializers that became unread. Works through subgraphs too.
/// </summary>
public sealed class DeadCodeElimination : IPass
{
    public string Name => "dead-code-elimination";

    public PassResult Run(Model model)
    {
        var (nodes, inits) = Sweep(model.Graph);
        return new PassResult(nodes + inits > 0, $"removed {nodes} nodes, {inits} initializers");
    }

    /// <summary>Sweeps one graph (and its subgraphs); returns the number of nodes and initializers removed.</summary>
    public static (int nodes, int initializers) Sweep(Graph graph)
    {
        int removedNodes = 0, removedInits = 0;
        // Walk backwards so a chain of dead nodes disappears in one sweep: removing a consumer frees its producers.
        for (var node = graph.LastNode; node is not null;)
        {
            var prev = node.Prev;
            if (IsDead(node, graph))
            {
                graph.Remove(node);
                removedNodes++;
            }
            else
                foreach (var sub in node.Subgraphs)
                {
                    var (nodes, inits) = Sweep(sub);
                    removedNodes += nodes;
                    removedInits += inits;
                }
            node = prev;
        }
        foreach (var init in graph.Initializers.ToList())
        {
            if (init.Uses.Count == 0 && !graph.Outputs.Contains(init) && !graph.Inputs.Contains(init))
            {
                graph.RemoveInitializer(init);
                removedInits++;
            }
        }
        return (removedNodes, removedInits);
    }

    private static bool IsDead(Node node, Graph graph) =>
        node.Outputs.All(o => o is null || (o.Uses.Count == 0 && !graph.Outputs.Contains(o)));
}

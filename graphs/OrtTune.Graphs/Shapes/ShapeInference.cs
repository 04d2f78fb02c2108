using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// Shape and type inference: sets <see cref="Value.Type"/> on every node output of a model, in dependency order,
/// using one rule per operator (<see cref="ShapeRules"/>). Along the way it computes the values of small constant
/// subgraphs (shape arithmetic) and follows named dimensions through Shape → Gather → Concat → Reshape chains, so
/// that dynamic-axis models get symbolic shapes such as [batch, seq, 4, 8].
/// </summary>
public static class ShapeInference
{
    public static InferenceResult Run(Model model, ShapeInferenceOptions? options = null) =>
        Run(model.Graph, model.OpsetImports, options);

    /// <summary>
    /// Infers one graph (for instance a subgraph on its own) with the given operator set imports. Values it reads
    /// from enclosing graphs are taken with the types they already have.
    /// </summary>
    public static InferenceResult Run(Graph graph, IReadOnlyDictionary<string, long> opsets, ShapeInferenceOptions? options = null) =>
        new InferenceEngine(opsets, options ?? new ShapeInferenceOptions()).Run(graph);

    /// <summary>
    /// Types the outputs of one node from the types its inputs already have; used by passes that add nodes to an
    /// inferred graph. Throws <see cref="Diagnostics.ShapeException"/> when an output shape stays incomplete.
    /// </summary>
    public static void InferNode(Node node, IReadOnlyDictionary<string, long> opsets)
    {
        var engine = new InferenceEngine(opsets, new ShapeInferenceOptions { KeepDeclaredTypes = false });
        engine.InferSingle(node);
    }
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Artifacts.Vocabulary;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Undoes <see cref="PemaRewrite"/> for export: the embedding initializer becomes the full [|V|, d] matrix again —
/// trained rows at their original ids, unused rows as pretrained — and a tied head reads it directly, so the exported
/// model takes original token ids and works on any text.
/// </summary>
public static class PemaRestore
{
    /// <summary>
    /// Rewrites <paramref name="model"/> (a forward graph whose parameters are initializers) in place.
    /// <paramref name="original"/> is the pretrained matrix the artifacts keep beside the manifest.
    /// </summary>
    public static void Apply(Model model, VocabularySpec spec, NamedTensor original)
    {
        var graph = model.Graph;
        var embedding = graph.FindInitializer(spec.Embedding)
                        ?? throw new OrtTuneException($"PEMA export: the graph has no initializer '{spec.Embedding}' (bake the trained parameters in first).");
        var compact = embedding.Initializer!;
        var map = new VocabularyMap(spec);
        var full = map.Expand(compact.ToNamed(spec.Embedding), original);
        var tensor = full.ToTensor();

        // The tied head's Gather(Concat(E', U), perm) is the full matrix again: read it directly.
        var heads = embedding.Uses.Select(u => u.Node)
            .Where(n => n is { OpType: "Concat", Domain: "" } && n.Inputs.Any(i => i?.Name.StartsWith(spec.Embedding + PemaRewrite.UnusedSuffix, StringComparison.Ordinal) == true))
            .ToList();
        foreach (var concat in heads)
            foreach (var use in concat.Outputs[0]!.Uses.Where(u => u.Node is { OpType: "Gather", Domain: "" } && u.InputIndex == 0).ToList())
                use.Node.Outputs[0]!.ReplaceAllUsesWith(embedding);
        graph.RemoveInitializer(embedding);
        graph.AddInitializer(embedding, tensor);
        embedding.Type = tensor.Type;
        Passes.DeadCodeElimination.Sweep(graph);
    }
}

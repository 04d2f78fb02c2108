using OrtTune.Graphs.Analysis;
using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// PEMA: shrinks the input embedding to the rows of the token ids the data uses. The embedding initializer keeps its
/// name and becomes [k, d] (k kept ids, ascending), and the ids input then carries compact ids (the data pipeline
/// remaps them), so weights, gradients and optimizer state exist for k rows only.
///
/// Tied embeddings (the same matrix also feeds the output head, as in most decoders): the head still scores the full
/// vocabulary, exactly. It reads Gather(Concat(E', U), perm) — the trained rows E' and the other rows U (a frozen
/// constant) put back in original order — so the loss and the kept rows' gradients equal full-vocabulary training's.
/// Unused rows stay at their pretrained values, where full fine-tuning would move them a little through the softmax
/// normaliser; that is the one difference, and it is the price of not storing their gradients and moments.
/// </summary>
public static class PemaRewrite
{
    /// <summary>Suffix of the frozen constant holding a tied embedding's unused rows.</summary>
    public const string UnusedSuffix = ".pema_unused";

    /// <summary>What the rewrite did.</summary>
    /// <param name="Embedding">The shrunk initializer's name.</param>
    /// <param name="Original">The full [|V|, d] matrix as it was before the rewrite (for export and the manifest).</param>
    /// <param name="UsedIds">Kept ids, ascending; compact id i is UsedIds[i].</param>
    /// <param name="Tied">True when the matrix also fed nodes other than the input lookup.</param>
    public sealed record Result(string Embedding, Tensor Original, long[] UsedIds, bool Tied)
    {
        public long FullSize => Original.Dims[0];
        public long Dim => Original.Dims[1];
    }

    // Ops that pass ids through unchanged in value (only their layout changes).
    private static readonly HashSet<string> PassThrough = ["Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity"];
    // Ops that read only the ids' shape, never their values.
    private static readonly HashSet<string> ShapeOnly = ["Shape", "Size"];

    /// <summary>Rewrites <paramref name="model"/> in place (after specialisation, before LoRA and autodiff).</summary>
    public static Result Apply(Model model, PemaOptions options)
    {
        var graph = model.Graph;
        var input = graph.Inputs.FirstOrDefault(v => v.Name == options.Input)
                    ?? throw new OrtTuneException($"PEMA: the model has no input '{options.Input}'; inputs: {string.Join(", ", graph.Inputs.Select(v => v.Name))}.");
        var lookups = Lookups(input);
        var matrices = lookups.Select(n => n.Inputs[0]!).Distinct().ToList();
        if (options.Embedding is { } named) matrices = matrices.Where(m => m.Name == named).ToList();
        if (matrices.Count != 1)
            throw new OrtTuneException(matrices.Count == 0
                ? $"PEMA: no embedding lookup reads '{options.Input}'" + (options.Embedding is null ? "." : $" from '{options.Embedding}'.")
                : $"PEMA: '{options.Input}' indexes several matrices ({string.Join(", ", matrices.Select(m => m.Name))}); name the input embedding.");
        var embedding = matrices[0];
        var original = embedding.Initializer;
        if (original is null || !GradientPath.IsParameter(embedding) || original.Rank != 2 || original.DataType != DataType.Float)
            throw new OrtTuneException($"PEMA: the embedding '{embedding.Name}' must be a 2-D float32 parameter; it is {original?.ToString() ?? "not an initializer"}.");
        long size = original.Dims[0], dim = original.Dims[1];

        var kept = options.SortedIds();
        if (kept.Length == 0) throw new OrtTuneException("PEMA: no token ids to keep (is the data empty?).");
        if (kept[0] < 0 || kept[^1] >= size)
            throw new OrtTuneException(
                $"PEMA: token id {(kept[0] < 0 ? kept[0] : kept[^1])} is outside the embedding '{embedding.Name}' ({size} rows): was the vocabulary counted with this model's tokenizer?");

        var lookupSet = lookups.Where(n => n.Inputs[0] == embedding).ToHashSet();
        var otherUses = embedding.Uses.Where(u => !lookupSet.Contains(u.Node) || u.InputIndex != 0).ToList();
        if (embedding.IsGraphOutput) throw new OrtTuneException($"PEMA: the embedding '{embedding.Name}' is a graph output.");

        var rows = original.AsSpan<float>();
        var compact = new float[kept.Length * dim];
        for (int i = 0; i < kept.Length; i++) rows.Slice((int)(kept[i] * dim), (int)dim).CopyTo(compact.AsSpan((int)(i * dim)));
        var compactTensor = Tensor.FromArray(compact, kept.Length, dim);
        graph.RemoveInitializer(embedding);
        graph.AddInitializer(embedding, compactTensor);
        embedding.Type = compactTensor.Type;

        // When every id is kept the compact matrix is the full one and the head can read it as before.
        if (otherUses.Count > 0 && kept.Length < size) Retie(model, embedding, original, kept, otherUses);
        return new Result(embedding.Name, original, kept, otherUses.Count > 0);
    }

    /// <summary>
    /// The Gather nodes that look up rows by the ids of <paramref name="input"/>. Any other use of the ids' values is an
    /// error: compact ids would change what it computes.
    /// </summary>
    private static List<Node> Lookups(Value input)
    {
        var found = new List<Node>();
        var pending = new Stack<Value>([input]);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            foreach (var use in value.Uses)
            {
                var node = use.Node;
                if (node.Domain.Length == 0 && node.OpType == "Gather" && use.InputIndex == 1 && node.GetInt("axis", 0) == 0
                    && node.Inputs[0] is { IsInitializer: true })
                    found.Add(node);
                else if (node.Domain.Length == 0 && ShapeOnly.Contains(node.OpType)) { }
                else if (node.Domain.Length == 0 && PassThrough.Contains(node.OpType) && use.InputIndex == 0)
                    foreach (var o in node.Outputs) { if (o is not null) pending.Push(o); }
                else
                    throw new OrtTuneException(
                        $"PEMA remaps token ids, but node '{node.Name}' ({node.OpType}) reads the values of '{input.Name}' for something other than " +
                        "the embedding lookup, so compact ids would change what it computes.");
            }
        }
        return found;
    }

    /// <summary>Gives the head (every use but the lookup) the full matrix again: Gather(Concat(E', unused rows), perm).</summary>
    private static void Retie(Model model, Value embedding, Tensor original, long[] kept, List<Use> otherUses)
    {
        var graph = model.Graph;
        long size = original.Dims[0], dim = original.Dims[1];
        var rows = original.AsSpan<float>();
        var perm = new long[size];
        var unused = new float[(size - kept.Length) * dim];
        int k = 0, u = 0;
        for (long id = 0; id < size; id++)
        {
            if (k < kept.Length && kept[k] == id) { perm[id] = k++; continue; }
            rows.Slice((int)(id * dim), (int)dim).CopyTo(unused.AsSpan((int)(u * dim)));
            perm[id] = kept.Length + u++;
        }
        var ops = new OpBuilder(graph, model.OpsetImports, "pema/");
        ops.Builder.InsertionPoint = graph.FirstNode;
        var frozenTensor = Tensor.FromArray(unused, u, dim);
        frozenTensor.MarkFolded(); // a constant, never a parameter: its rows get no gradient and no optimizer state
        var frozen = graph.AddInitializer(graph.UniqueName(embedding.Name + UnusedSuffix), frozenTensor);
        var stacked = ops.Op("Concat", [embedding, frozen], Attribute.Of("axis", 0L));
        var full = ops.Op("Gather", [stacked, ops.Builder.Constant(Tensor.Vector(perm), "pema_order")], Attribute.Of("axis", 0L));
        foreach (var use in otherUses) use.Node.SetInput(use.InputIndex, full);
    }
}

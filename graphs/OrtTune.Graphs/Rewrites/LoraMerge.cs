using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Passes;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Folds trained LoRA adapters back into their base weights, W' = W + scale·(B·A) in the layout the layer stores W
/// ([out, in] for MatMul(x, Transpose(W)) and Gemm(transB=1), [in, out] for MatMul(x, W) and Gemm(transB=0)), and
/// removes the LoRA branches. The result is a plain model with the original interface: no extra inputs, initializers
/// or nodes, so any ONNX Runtime runs it for inference.
/// </summary>
public static class LoraMerge
{
    /// <summary>
    /// Merges into <paramref name="model"/> (in place; returned for chaining), which may be the original model or one
    /// that <see cref="LoraRewrite"/> changed. <paramref name="trained"/> holds "&lt;W&gt;.lora_A"/"&lt;W&gt;.lora_B" pairs and
    /// any other trained parameters (e.g. biases), which replace the initializers of the same name. Adapters the model
    /// holds as initializers but <paramref name="trained"/> lacks are merged with the model's own values.
    /// </summary>
    public static Model Apply(Model model, IReadOnlyDictionary<string, Tensor> trained, LoraOptions options)
    {
        options.Validate();
        var graph = model.Graph;
        var adapterNames = trained.Keys.Concat(graph.Initializers.Select(v => v.Name)).Concat(graph.Inputs.Select(v => v.Name))
            .Where(LoraRewrite.IsAdapter).Select(BaseName).Distinct().ToList();
        foreach (var name in adapterNames)
        {
            var a = Adapter(graph, trained, name + LoraRewrite.ASuffix);
            var b = Adapter(graph, trained, name + LoraRewrite.BSuffix);
            var weight = graph.FindInitializer(name)
                         ?? throw new OrtTuneException($"Cannot merge LoRA adapters for '{name}': the model has no initializer of that name.");
            RemoveBranches(graph, name);
            weight.Initializer = Merged(weight, a, b, options);
        }
        foreach (var (name, tensor) in trained)
        {
            if (LoraRewrite.IsAdapter(name)) continue;
            var target = graph.FindInitializer(name)
                         ?? throw new OrtTuneException($"Cannot merge trained parameter '{name}': the model has no initializer of that name.");
            if (target.Initializer!.DataType != tensor.DataType || !target.Initializer.Dims.SequenceEqual(tensor.Dims))
                throw new OrtTuneException(
                    $"Trained parameter '{name}' is {tensor}, but the model's initializer is {target.Initializer}: the parameters belong to another model.");
            target.Initializer = tensor;
        }
        DeadCodeElimination.Sweep(graph);
        // Adapters lifted to graph inputs (an eval graph) become unread once their branches are gone.
        graph.Inputs.RemoveAll(v => LoraRewrite.IsAdapter(v.Name) && v.Uses.Count == 0);
        var left = graph.AllNodes().FirstOrDefault(n => n.Inputs.Any(v => v is not null && LoraRewrite.IsAdapter(v.Name)));
        if (left is not null)
            throw new OrtTuneException($"Node '{left.Name}' ({left.QualifiedOpType}) still reads a LoRA parameter after the merge; it is not a LoRA branch this merge knows.");
        return model;
    }

    /// <summary>The same merge with parameters as a training session returns them.</summary>
    public static Model Apply(Model model, IEnumerable<NamedTensor> trained, LoraOptions options) =>
        Apply(model, trained.ToDictionary(t => t.Name, t => t.ToTensor(), StringComparer.Ordinal), options);

    private static string BaseName(string adapter) => adapter[..^LoraRewrite.ASuffix.Length]; // both suffixes have the same length

    private static Tensor Adapter(Graph graph, IReadOnlyDictionary<string, Tensor> trained, string name) =>
        trained.GetValueOrDefault(name) ?? graph.FindInitializer(name)?.Initializer
        ?? throw new OrtTuneException($"Cannot merge LoRA adapters: no value for '{name}' (its partner is given).");

    /// <summary>W + scale·(B·A), laid out as the layer stores W.</summary>
    private static Tensor Merged(Value weight, Tensor a, Tensor b, LoraOptions options)
    {
        var (layout, _) = LoraRewrite.Analyse(weight);
        var w = weight.Initializer!;
        if (w.DataType != DataType.Float || a.DataType != DataType.Float || b.DataType != DataType.Float || a.Rank != 2 || b.Rank != 2)
            throw new OrtTuneException($"LoRA merge of '{weight.Name}' needs 2-D float32 tensors; got W {w}, A {a}, B {b}.");
        long rank = a.Dims[0], inSize = a.Dims[1], outSize = b.Dims[0];
        if (rank != options.Rank)
            throw new OrtTuneException($"LoRA adapters of '{weight.Name}' have rank {rank}, but the settings say rank {options.Rank}: they come from another run.");
        long[] expected = layout == LoraRewrite.Layout.OutIn ? [outSize, inSize] : [inSize, outSize];
        if (b.Dims[1] != rank || !w.Dims.SequenceEqual(expected))
            throw new OrtTuneException($"LoRA adapters A {a} and B {b} do not fit weight '{weight.Name}' {w}.");

        var wv = w.AsSpan<float>();
        var av = a.AsSpan<float>();
        var bv = b.AsSpan<float>();
        var result = new float[wv.Length];
        double scale = options.Scale;
        for (long o = 0; o < outSize; o++)
            for (long i = 0; i < inSize; i++)
            {
                double sum = 0;
                for (long k = 0; k < rank; k++) sum += (double)bv[(int)(o * rank + k)] * av[(int)(k * inSize + i)];
                long at = layout == LoraRewrite.Layout.OutIn ? o * inSize + i : i * outSize + o;
                result[at] = (float)(wv[(int)at] + scale * sum);
            }
        return Tensor.FromArray(result, w.Dims.ToArray());
    }

    /// <summary>
    /// Cuts every branch that reads "&lt;W&gt;.lora_A" or "&lt;W&gt;.lora_B": the join Add(y, delta) is replaced by y (the base
    /// product), and the rest of the branch is left unread for dead-code elimination.
    /// </summary>
    private static void RemoveBranches(Graph graph, string weightName)
    {
        var derived = new HashSet<Value>(graph.Initializers.Concat(graph.Inputs)
            .Where(v => v.Name == weightName + LoraRewrite.ASuffix || v.Name == weightName + LoraRewrite.BSuffix));
        if (derived.Count == 0) return;
        foreach (var node in graph.Nodes)
        {
            if (!node.Inputs.Any(v => v is not null && derived.Contains(v))) continue;
            var outside = node.Inputs.Where(v => v is not null && !derived.Contains(v)).ToList();
            if (node is { OpType: "Add", Domain: "" } && outside.Count == 1 && !outside[0]!.IsInitializer)
            {
                var sum = node.Outputs[0]!;
                var baseValue = outside[0]!;
                if (sum.IsGraphOutput)
                {
                    // Give the output's name back to the base product, as it was before the rewrite.
                    string name = sum.Name;
                    graph.RenameValue(sum, graph.UniqueName(name + "/lora"));
                    graph.RenameValue(baseValue, name);
                }
                sum.ReplaceAllUsesWith(baseValue, replaceGraphOutputs: true);
                graph.Remove(node);
                continue;
            }
            foreach (var o in node.Outputs)
                if (o is not null) derived.Add(o);
        }
    }
}

using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Shapes;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Turns a model whose output is per-token (an LM head's logits) into a sequence classifier: the hidden states the
/// output layer reads are pooled with weights w[b, s] (last real token, mean over real tokens, or first token) as
/// Σ_s w·h, optionally through a new dense layer with tanh (BERT's pooler), then a new linear layer gives
/// "class_logits" [batch, classes], which becomes the only output. The old
/// output layer is removed, so a tied embedding is no longer shared. Real tokens come from the "attention_mask" input,
/// added (int64 [batch, seq]) when the model has none.
/// </summary>
public static class ClassificationHead
{
    public const string OutputName = "class_logits";
    public const string MaskInput = "attention_mask";

    /// <summary>Name of a mean-pooling head's pooled hidden states [batch, d] (TokenTune's training graph pools them anew).</summary>
    public const string MeanPooledName = "class_mean_pooled";

    /// <summary>
    /// The classifier's weight and bias, the pooler's (null without one), and the logits. All of them are new
    /// parameters, trainable even when LoRA freezes the rest, like PEFT's modules_to_save.
    /// </summary>
    public sealed record Result(string Weight, string Bias, string Output, string? PoolerWeight = null, string? PoolerBias = null)
    {
        public IEnumerable<string> Parameters =>
            new[] { PoolerWeight, PoolerBias, Weight, Bias }.Where(n => n is not null).Select(n => n!);
    }

    /// <summary>Rewrites <paramref name="model"/> in place (specialised: static shapes).</summary>
    public static Result Apply(Model model, ClassificationHeadOptions options)
    {
        var graph = model.Graph;
        var hidden = Hidden(graph, options);
        var shape = OpBuilder.StaticShape(hidden);
        if (shape.Length != 3)
            throw new OrtTuneException($"Classification head: '{hidden.Name}' is [{string.Join(",", shape)}]; it must be the hidden states [batch, seq, d].");
        long batch = shape[0], seq = shape[1], dim = shape[2];
        var ops = new OpBuilder(graph, model.OpsetImports, "head/");
        ops.Builder.InsertionPoint = null; // append: after everything the hidden states depend on

        var mask = graph.Inputs.FirstOrDefault(v => v.Name == MaskInput)
                   ?? graph.AddInput(MaskInput, new TensorType(DataType.Int64, new Shape(batch, seq)));
        var real = ops.Op("Cast", [mask], Attribute.Of("to", (long)DataType.Float));
        // [b, 1]; at least 1, so a padding row (mask all 0, e.g. an eval batch's filler) pools to zeros, not 0/0.
        var count = ops.Op("Max", ops.ReduceSum(real, [1], keepDims: true), ops.Scalar(1, DataType.Float));
        Value weights = options.Pooling switch
        {
            HeadPooling.Mean => ops.Op("Div", real, count),
            HeadPooling.Last => ops.Op("Cast", [ops.Op("Equal", ops.Builder.Constant(Positions(seq), "positions"), ops.Op("Sub", count, ops.Scalar(1, DataType.Float)))],
                Attribute.Of("to", (long)DataType.Float)),
            _ => ops.Builder.Constant(Constant(Enumerable.Range(0, (int)seq).Select(i => i == 0 ? 1f : 0f).ToArray(), seq), "first"),
        };
        var pooled = ops.ReduceSum(ops.Op("Mul", hidden, ops.Unsqueeze(weights, 2)), [1], keepDims: false); // [b, d]
        if (options.Pooling == HeadPooling.Mean) graph.RenameValue(pooled, graph.UniqueName(MeanPooledName));

        Value? poolerWeight = null, poolerBias = null;
        if (options.Pooler)
        {
            // Its own seed stream, so adding the pooler does not change the classifier's initial weights.
            poolerWeight = graph.AddInitializer(graph.UniqueName("classifier.pooler.weight"), Normal((int)dim, dim, options.Seed + 1));
            poolerBias = graph.AddInitializer(graph.UniqueName("classifier.pooler.bias"), Tensor.FromArray(new float[dim], dim));
            pooled = ops.Op("Tanh", ops.Op("Gemm", [pooled, poolerWeight, poolerBias], Attribute.Of("transB", 1L)));
        }
        var weight = graph.AddInitializer(graph.UniqueName("classifier.weight"), Normal(options.Classes, dim, options.Seed));
        var bias = graph.AddInitializer(graph.UniqueName("classifier.bias"), Tensor.FromArray(new float[options.Classes], options.Classes));
        var logits = ops.Op("Gemm", [pooled, weight, bias], Attribute.Of("transB", 1L));
        graph.RenameValue(logits, graph.UniqueName(OutputName));
        graph.Outputs.Clear();
        graph.Outputs.Add(logits);
        DeadCodeElimination.Sweep(graph);
        graph.Inputs.RemoveAll(v => v.Uses.Count == 0 && v.Name != MaskInput && v.Initializer is null && v.ElemType != DataType.Int64);
        return new Result(weight.Name, bias.Name, logits.Name, poolerWeight?.Name, poolerBias?.Name);
    }

    /// <summary>The named value, or the first input of the node producing the model's first output (through a bias Add).</summary>
    private static Value Hidden(Graph graph, ClassificationHeadOptions options)
    {
        if (options.Hidden is { } name)
            return graph.AllNodes().SelectMany(n => n.Outputs).FirstOrDefault(v => v?.Name == name)
                   ?? throw new OrtTuneException($"Classification head: the model has no value '{name}'.");
        var output = graph.Outputs.FirstOrDefault() ?? throw new OrtTuneException("Classification head: the model has no output.");
        var node = output.Producer;
        if (node is { OpType: "Add" } add && add.Inputs.Any(i => i is { IsInitializer: true }))
            node = add.Inputs.First(i => i is { IsInitializer: false })?.Producer;
        if (node is { OpType: "MatMul" or "Gemm", Domain: "" } && node.Inputs[0] is { } x) return x;
        throw new OrtTuneException(
            $"Classification head: the output '{output.Name}' is made by {node?.OpType ?? "no node"}, not a linear layer; name the hidden states to pool.");
    }

    private static Tensor Positions(long seq) => Constant(Enumerable.Range(0, (int)seq).Select(i => (float)i).ToArray(), seq);

    /// <summary>A [1, seq] float constant marked folded, so it is never taken for a parameter.</summary>
    private static Tensor Constant(float[] values, long seq)
    {
        var t = Tensor.FromArray(values, 1, seq);
        t.MarkFolded();
        return t;
    }

    /// <summary>N(0, 0.02²) from a seeded generator, so a prepare is reproducible.</summary>
    private static Tensor Normal(int rows, long cols, int seed) => new SeededInit(seed).Normal(0.02, rows, cols);
}

using System.Text;
using OrtTune.Graphs.Analysis;
using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Training;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Adds LoRA branches to a model: for every targeted 2-D float weight W used as a linear layer — MatMul(x, Transpose(W))
/// (torch's nn.Linear), MatMul(x, W) or Gemm(x, W) — two initializers "&lt;W&gt;.lora_A" [r, in] (kaiming-uniform with
/// a = √5, as PEFT does) and "&lt;W&gt;.lora_B" [out, r] (zeros), and y += scale · ((x·Aᵀ)·Bᵀ) after the base product,
/// in standard ops. With B = 0 the model computes what it computed before; W itself is untouched.
/// </summary>
public static class LoraRewrite
{
    public const string ASuffix = ".lora_A";
    public const string BSuffix = ".lora_B";

    /// <summary>True for the name of a LoRA factor (A or B) this rewrite adds.</summary>
    public static bool IsAdapter(string name) =>
        name.EndsWith(ASuffix, StringComparison.Ordinal) || name.EndsWith(BSuffix, StringComparison.Ordinal);

    /// <summary>The names the rewrite produced, in initializer order.</summary>
    /// <param name="Adapters">The LoRA parameters: A then B of each targeted weight.</param>
    /// <param name="Biases">Biases of targeted layers that train (only with <see cref="LoraOptions.TrainBiases"/>).</param>
    /// <param name="BaseWeights">The targeted weights, which stay frozen.</param>
    public sealed record Result(IReadOnlyList<string> Adapters, IReadOnlyList<string> Biases, IReadOnlyList<string> BaseWeights)
    {
        /// <summary>Everything that trains: the adapters, then the biases.</summary>
        public IReadOnlyList<string> Trainable => [.. Adapters, .. Biases];

        /// <summary>Splits the graph's parameter candidates into the LoRA trainables and everything else (frozen).</summary>
        public (List<Value> trainable, List<Value> frozen) Split(Graph graph)
        {
            var trainable = Trainable.Select(n => graph.FindInitializer(n)
                ?? throw new InvalidOperationException($"LoRA parameter '{n}' is not an initializer of the graph.")).ToList();
            var frozen = graph.Initializers.Where(GradientPath.IsParameter).Except(trainable).ToList();
            return (trainable, frozen);
        }
    }

    /// <summary>How a linear layer reads its weight.</summary>
    internal enum Layout
    {
        /// <summary>W is [out, in] and the layer computes x·Wᵀ: MatMul(x, Transpose(W)) or Gemm(transB=1).</summary>
        OutIn,
        /// <summary>W is [in, out] and the layer computes x·W: MatMul(x, W) or Gemm(transB=0).</summary>
        InOut,
    }

    /// <summary>One product of a linear layer: <paramref name="Node"/> computes y from x and W.</summary>
    /// <param name="Factor">A multiplier the layer applies to x·W (Gemm's alpha), which the branch must apply too.</param>
    /// <param name="Bias">The layer's bias initializer, when it has one.</param>
    internal sealed record Site(Node Node, float Factor, Value? Bias)
    {
        // Read when used, not when found: a branch added to an earlier layer may have changed which value feeds x.
        public Value Input => Node.Inputs[0]!;
        public Value Output => Node.Outputs[0]!;
    }

    /// <summary>Rewrites <paramref name="model"/> in place. <paramref name="training"/> adds the adapter Dropout (when its ratio is above 0).</summary>
    public static Result Apply(Model model, LoraOptions options, bool training)
    {
        options.Validate();
        var graph = model.Graph;
        var targets = Targets(graph, options);
        if (training && options.Dropout > 0 && model.DefaultOpset < 12)
            throw new OrtTuneException($"LoRA dropout needs opset 12 or later (Dropout with a training_mode input); the model has opset {model.DefaultOpset}.");

        // Analyse every target before changing anything, so an error leaves the model as it was.
        var layers = targets.Select(w => (weight: w, use: Analyse(w))).ToList();
        var taken = graph.Initializers.Concat(graph.Inputs).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var w in targets)
            if (taken.Contains(w.Name + ASuffix) || taken.Contains(w.Name + BSuffix))
                throw new OrtTuneException($"The model already has LoRA parameters for '{w.Name}' ('{w.Name + ASuffix}'); apply LoRA once.");
        // The branches are built with shape inference, which needs the inputs' types; a model fresh from a file may lack them.
        if (layers.Any(l => l.use.sites.Any(s => s.Input.Shape is null))) ShapeInference.Run(model);

        var adapters = new List<string>();
        var biases = new List<string>();
        int branch = 0;
        foreach (var (weight, (layout, sites)) in layers)
        {
            long rows = weight.Initializer!.Dims[0], cols = weight.Initializer.Dims[1];
            var (outSize, inSize) = layout == Layout.OutIn ? (rows, cols) : (cols, rows);
            string aName = weight.Name + ASuffix, bName = weight.Name + BSuffix;
            var a = graph.AddInitializer(aName, KaimingUniform(options.Rank, inSize, options.Seed, weight.Name));
            var b = graph.AddInitializer(bName, Tensor.FromArray(new float[outSize * options.Rank], outSize, options.Rank));
            adapters.Add(aName);
            adapters.Add(bName);
            foreach (var site in sites)
            {
                AddBranch(model, site, a, b, options, training, branch++);
                if (options.TrainBiases && site.Bias is { } bias && !biases.Contains(bias.Name)) biases.Add(bias.Name);
            }
        }
        return new Result(adapters, biases, targets.Select(w => w.Name).ToList());
    }

    /// <summary>The targeted weights in initializer order; a pattern that matches nothing is an error listing the candidates.</summary>
    private static List<Value> Targets(Graph graph, LoraOptions options)
    {
        // Candidates: 2-D float parameters, i.e. anything that could be a linear layer's weight (not biases, not scalars).
        var candidates = graph.Initializers.Where(v => GradientPath.IsParameter(v) && v.Initializer!.Rank == 2).ToList();
        string Listing() => candidates.Count == 0
            ? "the model has no 2-D float weights"
            : "2-D weights: " + string.Join(", ", candidates.Select(v => v.Name));
        var matched = new HashSet<Value>();
        foreach (var pattern in options.Targets)
        {
            var regex = ParameterSelection.Compile([pattern]);
            var hits = candidates.Where(v => regex.IsMatch(v.Name)).ToList();
            if (hits.Count == 0 && !options.UsesDefaultTargets)
                throw new OrtTuneException($"LoRA target '{pattern}' matches no weight; {Listing()}.");
            matched.UnionWith(hits);
        }
        if (matched.Count == 0)
            throw new OrtTuneException(
                $"None of the default LoRA targets ({string.Join(", ", options.Targets)}) matches a weight of this model; name them with targets=...; {Listing()}.");
        var targets = candidates.Where(matched.Contains).ToList();
        foreach (var w in targets)
            if (w.Initializer!.DataType != DataType.Float)
                throw new OrtTuneException($"LoRA target '{w.Name}' is {w.Initializer.DataType.OnnxName()}; LoRA supports float32 weights.");
        return targets;
    }

    /// <summary>
    /// Every product that reads <paramref name="weight"/>, with the layout they agree on. Any other use is an error
    /// naming the weight and the node, since the update could not be merged back into such a weight.
    /// </summary>
    internal static (Layout layout, List<Site> sites) Analyse(Value weight)
    {
        var found = new List<(Layout layout, Site site)>();
        foreach (var use in weight.Uses)
        {
            var node = use.Node;
            if (node.Domain.Length != 0) throw NotLinear(weight, node);
            switch (node.OpType)
            {
                case "Transpose" when use.InputIndex == 0 && node.Graph == weight.Graph && IsSwap(node):
                    var transposed = node.Outputs[0]!;
                    if (transposed.IsGraphOutput) throw NotLinear(weight, node, "its transpose is a graph output");
                    foreach (var tu in transposed.Uses)
                    {
                        if (tu.Node is not { OpType: "MatMul", Domain: "" } matmul || tu.InputIndex != 1 || matmul.Graph != node.Graph)
                            throw NotLinear(weight, tu.Node, "it reads Transpose(W)");
                        found.Add((Layout.OutIn, MatMulSite(matmul)));
                    }
                    break;
                case "MatMul" when use.InputIndex == 1 && node.Graph == weight.Graph:
                    found.Add((Layout.InOut, MatMulSite(node)));
                    break;
                case "Gemm" when use.InputIndex == 1 && node.Graph == weight.Graph:
                    if (node.GetInt("transA", 0) != 0) throw NotLinear(weight, node, "Gemm with transA=1 is not supported");
                    var c = node.InputOrNull(2);
                    found.Add((node.GetInt("transB", 0) != 0 ? Layout.OutIn : Layout.InOut,
                        new Site(node, node.GetFloat("alpha", 1f), c is not null && IsBias(c, weight) ? c : null)));
                    break;
                default:
                    throw NotLinear(weight, node);
            }
        }
        if (found.Count == 0) throw new OrtTuneException($"LoRA target '{weight.Name}' is not read by any node.");
        if (found.Select(f => f.layout).Distinct().Count() > 1)
            throw new OrtTuneException($"LoRA target '{weight.Name}' is used both as W and as Wᵀ by linear layers; its update would have no single layout.");
        return (found[0].layout, found.Select(f => f.site).ToList());

        Site MatMulSite(Node matmul)
        {
            var y = matmul.Outputs[0]!;
            // torch exports the bias as Add(MatMul(x, Wᵀ), b) right after the product.
            var bias = y.Uses.Count == 1 && y.Uses[0].Node is { OpType: "Add", Domain: "" } add
                ? add.Inputs[1 - y.Uses[0].InputIndex] is { } other && IsBias(other, weight) ? other : null
                : null;
            return new Site(matmul, 1f, bias);
        }
    }

    private static bool IsSwap(Node transpose) => transpose.GetInts("perm") is not { } perm || perm.SequenceEqual([1L, 0L]);

    private static bool IsBias(Value v, Value weight) => GradientPath.IsParameter(v) && v.Initializer!.Rank == 1 && v.Graph == weight.Graph;

    private static OrtTuneException NotLinear(Value weight, Node node, string? why = null) => new(
        $"LoRA target '{weight.Name}' is not used as a linear layer: {node.QualifiedOpType} node '{node.Name}' reads it" +
        (why is null ? "" : $" ({why})") + ". LoRA applies to weights read by MatMul(x, Transpose(W)), MatMul(x, W) or Gemm(x, W); " +
        "narrow the targets to exclude it.");

    /// <summary>y ← y + scale·((x·Aᵀ)·Bᵀ), placed right after the base product so every reader of y sees the sum.</summary>
    private static void AddBranch(Model model, Site site, Value a, Value b, LoraOptions options, bool training, int index)
    {
        var graph = model.Graph;
        var ops = new OpBuilder(graph, model.OpsetImports, $"lora/{BaseName(a)}/");
        ops.Builder.InsertionPoint = site.Node.Next;
        var y = site.Output;
        var x = site.Input;
        if (training && options.Dropout > 0)
        {
            // training_mode=true and a mask output: the gradient rule reuses the forward mask instead of redrawing one.
            var ratio = ops.Scalar(options.Dropout, DataType.Float);
            var on = ops.Builder.Constant(Tensor.Scalar(true), "training_mode");
            x = ops.Multi("", "Dropout", [x, ratio, on], 2, Attribute.Of("seed", (long)(options.Seed * 7919 + index)))[0]!;
        }
        var down = ops.Op("MatMul", x, ops.Transpose(a, 1, 0));
        var up = ops.Op("MatMul", down, ops.Transpose(b, 1, 0));
        var delta = ops.Op("Mul", up, ops.Scalar(options.Scale * site.Factor, DataType.Float));
        var sum = ops.Op("Add", y, delta);
        var join = sum.Producer!;
        foreach (var use in y.Uses.ToArray())
            if (use.Node != join) use.Node.SetInput(use.InputIndex, sum);
        if (y.IsGraphOutput)
        {
            // Keep the model's interface: the sum takes over the output's name and place.
            string name = y.Name;
            graph.RenameValue(y, graph.UniqueName(name + "/base"));
            graph.RenameValue(sum, name);
            for (int i = 0; i < graph.Outputs.Count; i++)
                if (graph.Outputs[i] == y) graph.Outputs[i] = sum;
        }
    }

    private static string BaseName(Value adapter) => adapter.Name[..^ASuffix.Length];

    /// <summary>
    /// torch's kaiming_uniform_(a=√5) for A [rank, in]: bound = gain·√(3/fan_in) with gain = √(2/(1+5)), i.e. U(−1/√in, 1/√in).
    /// Seeded per weight name, so a weight's A does not depend on which other weights are targeted.
    /// </summary>
    private static Tensor KaimingUniform(int rank, long inSize, int seed, string weightName)
    {
        return new SeededInit(seed ^ StableHash(weightName)).Uniform(1 / Math.Sqrt(inSize), rank, inSize);
    }

    /// <summary>FNV-1a over the UTF-8 bytes (string.GetHashCode differs from run to run).</summary>
    private static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (var c in Encoding.UTF8.GetBytes(s)) h = (h ^ c) * 16777619;
        return (int)h;
    }
}

using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Shapes;
using OrtTune.Graphs.Tests.TestSupport;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Autodiff;

/// <summary>
/// The central gradient check: builds a one-node model, differentiates loss = Σₖ Σ(yₖ ⊙ wₖ) (fixed random wₖ, so
/// every output element matters differently) with <see cref="ReverseMode"/>, runs it in ONNX Runtime, and compares
/// each input gradient with central finite differences of the same ORT model. Use double inputs where ORT's CPU
/// kernel has a double version (tight tolerance), float otherwise.
/// </summary>
public sealed class GradientCheck
{
    public required string OpType { get; init; }
    public string Domain { get; init; } = "";
    public long Opset { get; init; } = 17;

    /// <summary>Node inputs; null for an omitted optional input.</summary>
    public required Tensor?[] Inputs { get; init; }

    /// <summary>Indices of the inputs to differentiate (graph inputs); the others become initializers.</summary>
    public required int[] Wrt { get; init; }

    /// <summary>Inputs not differentiated that are still fed as graph inputs (c{i}), so a rule cannot read them as constants.</summary>
    public int[] Fed { get; init; } = [];

    public Attribute[] Attributes { get; init; } = [];
    public int Outputs { get; init; } = 1;

    /// <summary>Outputs that enter the loss (default: every float output).</summary>
    public int[]? LossOutputs { get; init; }

    /// <summary>
    /// Evaluate each finite difference in a new ORT session. A seeded random op (Dropout with 'seed') draws the same
    /// numbers on the first run of every session but new ones on each later run of one session, so this makes it
    /// deterministic across the evaluations.
    /// </summary>
    public bool FreshSessions { get; init; }

    public double? Epsilon { get; init; }
    public double? RelativeTolerance { get; init; }
    public double? AbsoluteTolerance { get; init; }

    public void Run()
    {
        var (model, wrtNames, lossName, gradNames, _, _) = Build();
        var bytes = OnnxModelIO.ToBytes(model);
        var feeds = Feeds(wrtNames);
        var analytic = OrtHarness.Run(bytes, feeds, [lossName, .. gradNames]);

        bool isDouble = Inputs[Wrt[0]]!.DataType == DataType.Double;
        double eps = Epsilon ?? (isDouble ? 1e-6 : 1e-2);
        double rtol = RelativeTolerance ?? (isDouble ? 1e-6 : 2e-2);
        double atol = AbsoluteTolerance ?? (isDouble ? 1e-8 : 2e-3);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(bytes);
        for (int k = 0; k < Wrt.Length; k++)
        {
            var x = ToDoubles(Inputs[Wrt[k]]!);
            var grad = ToDoubles(analytic[gradNames[k]]);
            Assert.HasCount(x.Length, grad, $"{OpType}: gradient of input {Wrt[k]} has the wrong size");
            for (int j = 0; j < x.Length; j++)
            {
                double Loss(double value)
                {
                    var copy = (double[])x.Clone();
                    copy[j] = value;
                    var shifted = new Dictionary<string, Tensor>(feeds) { [wrtNames[k]] = FromDoubles(copy, Inputs[Wrt[k]]!) };
                    var outputs = FreshSessions ? OrtHarness.Run(bytes, shifted, [lossName]) : OrtHarness.Run(session, shifted, [lossName]);
                    return ToDoubles(outputs[lossName])[0];
                }
                double numeric = (Loss(x[j] + eps) - Loss(x[j] - eps)) / (2 * eps);
                double tolerance = atol + rtol * Math.Abs(numeric);
                Assert.IsLessThanOrEqualTo(tolerance, Math.Abs(grad[j] - numeric),
                    $"{OpType}: d loss / d input{Wrt[k]}[{j}] analytic {grad[j]:G9} vs numeric {numeric:G9}");
            }
        }
    }

    /// <summary>One run of the differentiated model: the node's outputs (null where absent), the loss weight on each (null where it is not in the loss), and the input gradients in <see cref="Wrt"/> order.</summary>
    public sealed record AnalyticRun(Tensor?[] Outputs, Tensor?[] LossWeights, Tensor[] Gradients);

    /// <summary>Runs the differentiated model once, also returning the node's outputs (including any a gradient rule added).</summary>
    public AnalyticRun RunAnalytic()
    {
        var (model, wrtNames, lossName, gradNames, node, weights) = Build();
        var outputs = node.Outputs.Select(v => v?.Name).ToArray();
        foreach (var v in node.Outputs)
            if (v is not null && !model.Graph.Outputs.Contains(v)) model.Graph.Outputs.Add(v);
        var feeds = Feeds(wrtNames);
        var run = OrtHarness.Run(OnnxModelIO.ToBytes(model), feeds, [.. gradNames, .. outputs.OfType<string>()]);
        return new AnalyticRun(outputs.Select(n => n is null ? null : run[n]).ToArray(), weights, gradNames.Select(n => run[n]).ToArray());
    }

    private (Model model, string[] wrtNames, string lossName, string[] gradNames, Node node, Tensor?[] weights) Build()
    {
        var graph = new Graph("check");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = Opset;
        if (Domain.Length > 0) model.OpsetImports[Domain] = 1;
        var inputs = new Value?[Inputs.Length];
        var wrtNames = new string[Wrt.Length];
        for (int i = 0; i < Inputs.Length; i++)
        {
            if (Inputs[i] is not { } t) continue;
            int k = Array.IndexOf(Wrt, i);
            if (k >= 0)
            {
                wrtNames[k] = $"x{i}";
                inputs[i] = graph.AddInput($"x{i}", t.Type);
            }
            else if (Fed.Contains(i))
                inputs[i] = graph.AddInput($"c{i}", t.Type);
            else
                inputs[i] = graph.AddInitializer($"c{i}", t);
        }
        var node = new Node(Domain, OpType, inputs, Enumerable.Range(0, Outputs).Select(i => $"y{i}"), Attributes, "op");
        graph.Append(node);
        ShapeInference.Run(model);

        var ops = new OpBuilder(graph, model.OpsetImports, "loss/");
        var random = new Random(7);
        var terms = new List<Value>();
        var lossWeights = new Tensor?[Outputs];
        foreach (int o in LossOutputs ?? Enumerable.Range(0, Outputs).Where(i => node.Outputs[i]!.ElemType.IsFloatingPoint()).ToArray())
        {
            var y = node.Outputs[o]!;
            var shape = OpBuilder.StaticShape(y);
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var w = Enumerable.Range(0, (int)n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            lossWeights[o] = FromDoubles(w, y.ElemType, shape);
            var weights = ops.Builder.Constant(lossWeights[o]!, "w");
            var weighted = ops.Op("Mul", y, weights);
            terms.Add(ops.ReduceSum(weighted, Enumerable.Range(0, shape.Length).Select(a => (long)a).ToArray(), keepDims: false));
        }
        var loss = ops.Sum(terms);
        graph.Outputs.Add(loss);
        var wrtValues = Wrt.Select(i => inputs[i]!).ToList();
        var grads = ReverseMode.Differentiate(model, loss, wrtValues);
        var gradNames = new string[Wrt.Length];
        for (int k = 0; k < Wrt.Length; k++)
        {
            var g = grads[wrtValues[k]];
            // A gradient that is an input itself (Identity) still needs its own output name.
            if (g.Producer is null) g = ops.Op("Identity", g);
            graph.Outputs.Add(g);
            gradNames[k] = g.Name;
        }
        return (model, wrtNames, loss.Name, gradNames, node, lossWeights);
    }

    private Dictionary<string, Tensor> Feeds(string[] wrtNames)
    {
        var feeds = new Dictionary<string, Tensor>();
        for (int k = 0; k < Wrt.Length; k++) feeds[wrtNames[k]] = Inputs[Wrt[k]]!;
        foreach (int i in Fed) feeds[$"c{i}"] = Inputs[i]!;
        return feeds;
    }

    public static double[] ToDoubles(Tensor t) => t.DataType switch
    {
        DataType.Double => t.ToArray<double>(),
        DataType.Float => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        _ => throw new ArgumentException($"Gradient check needs float or double, got {t.DataType}."),
    };

    public static Tensor FromDoubles(double[] data, Tensor like) => FromDoubles(data, like.DataType, like.Dims.ToArray());

    public static Tensor FromDoubles(double[] data, DataType type, long[] dims) => type switch
    {
        DataType.Double => Tensor.FromArray(data, dims),
        DataType.Float => Tensor.FromArray(Array.ConvertAll(data, v => (float)v), dims),
        _ => throw new ArgumentException($"Gradient check needs float or double, got {type}."),
    };

    /// <summary>Random values in [lo, hi) of the given shape, reproducible per seed.</summary>
    public static Tensor Random(DataType type, long[] dims, int seed, double lo = -1, double hi = 1)
    {
        var r = new Random(seed);
        long n = dims.Aggregate(1L, (a, b) => a * b);
        return FromDoubles(Enumerable.Range(0, (int)n).Select(_ => lo + (hi - lo) * r.NextDouble()).ToArray(), type, dims);
    }

    /// <summary>Random values with magnitudes in [lo, hi) and random signs: inputs kept away from a kink at 0.</summary>
    public static Tensor Signed(DataType type, long[] dims, int seed, double lo = 0.2, double hi = 1)
    {
        var r = new Random(seed);
        long n = dims.Aggregate(1L, (a, b) => a * b);
        return FromDoubles(Enumerable.Range(0, (int)n).Select(_ => (r.Next(2) == 0 ? -1 : 1) * (lo + (hi - lo) * r.NextDouble())).ToArray(), type, dims);
    }
}

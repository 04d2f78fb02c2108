using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// One graph convolution as ONNX nodes, with its parameters as initializers named "{prefix}{name}". Inputs are
/// projected before they are aggregated (aggregation is linear), so the per-edge tensors have the output width,
/// not the input width.
/// </summary>
public static class GnnLayer
{
    /// <summary>Heads of the GAT layer (hidden size / 4 channels each, concatenated).</summary>
    public const int GatHeads = 4;

    /// <summary>GATConv's LeakyReLU slope on the attention scores.</summary>
    public const float GatNegativeSlope = 0.2f;

    /// <summary>
    /// Cap on the attention scores before exp. PyG subtracts each node's maximum score instead; the cap only acts
    /// where exp would overflow float, so below it the softmax is the same.
    /// </summary>
    public const float GatScoreCap = 60f;

    /// <summary>The convolution of <paramref name="x"/> [nodes, in] over <paramref name="edges"/>: [nodes, out], before any activation.</summary>
    /// <remarks>
    /// GAT concatenates its 4 heads of outDim/4 channels, except on an <paramref name="output"/> layer (PyG's basic
    /// GAT model's classifier), where 4 heads of outDim channels are averaged.
    /// </remarks>
    public static Value Conv(GnnConv kind, EdgeList edges, NodeFeatures x, long outDim, string prefix, SeededInit init, bool output = false)
    {
        long inDim = x.Width;
        return kind switch
        {
            GnnConv.Gcn => Gcn(edges, x, inDim, outDim, prefix, init),
            GnnConv.Sage => Sage(edges, x, inDim, outDim, prefix, init),
            GnnConv.Gat => Gat(edges, x, inDim, outDim, prefix, init, concat: !output),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown GNN convolution."),
        };
    }

    /// <summary>Row-wise L2 normalisation x / (‖x‖₂ + 1e-8), no parameters (the reference's LayerNormalization).</summary>
    public static Value L2NormalizeRows(OpBuilder ops, Value x)
    {
        var norm = ops.Op("Sqrt", ops.ReduceSum(ops.Op("Mul", x, x), [1], keepDims: true));
        return ops.Op("Div", x, ops.Op("Add", norm, ops.Scalar(1e-8, DataType.Float)));
    }

    /// <summary>The layer's parameter; an existing one of that name is shared (one layer applied to several graphs).</summary>
    private static Value Parameter(OpBuilder ops, string name, Tensor value) => ops.Graph.FindInitializer(name) ?? ops.Graph.AddInitializer(name, value);

    // GCNConv: deg counts the in-edges plus the self-loop; each edge (and loop) is weighted 1/√(deg_s·deg_t).
    private static Value Gcn(EdgeList e, NodeFeatures x, long inDim, long outDim, string prefix, SeededInit init)
    {
        var o = e.Ops;
        var w = Parameter(o, prefix + "weight", init.Glorot(inDim, outDim));
        var b = Parameter(o, prefix + "bias", SeededInit.Zeros(outDim));
        var h = x.Project(o, w);
        var degree = o.Op("Add", e.InDegree(), o.Scalar(1, DataType.Float));
        var invSqrt = o.Op("Reciprocal", o.Op("Sqrt", degree));
        var edgeWeight = o.Op("Mul", e.AtSource(invSqrt), e.AtTarget(invSqrt));
        var messages = o.Op("Mul", e.AtSource(h), o.Unsqueeze(edgeWeight, 1));
        var selfLoop = o.Op("Mul", h, o.Unsqueeze(o.Op("Reciprocal", degree), 1));
        return o.Op("Add", o.Op("Add", e.SumAtTargets(messages), selfLoop), b);
    }

    // SAGEConv(aggr="mean"): lin_l(mean of in-neighbours) + lin_r(x); lin_l has the bias. Nodes without in-edges aggregate 0.
    private static Value Sage(EdgeList e, NodeFeatures x, long inDim, long outDim, string prefix, SeededInit init)
    {
        var o = e.Ops;
        var wl = Parameter(o, prefix + "lin_l.weight", init.LinearDefault(inDim, inDim, outDim));
        var bl = Parameter(o, prefix + "lin_l.bias", init.LinearDefault(inDim, outDim));
        var wr = Parameter(o, prefix + "lin_r.weight", init.LinearDefault(inDim, inDim, outDim));
        var sum = e.SumAtTargets(e.AtSource(x.Project(o, wl)));
        var count = o.Op("Max", e.InDegree(), o.Scalar(1, DataType.Float));
        var mean = o.Op("Div", sum, o.Unsqueeze(count, 1));
        return o.Op("Add", o.Op("Add", mean, bl), x.Project(o, wr));
    }

    // GATConv(heads=4, concat): self-loops added; α = softmax over each node's in-edges of LeakyReLU(a_s·h_s + a_t·h_t).
    private static Value Gat(EdgeList e, NodeFeatures x, long inDim, long outDim, string prefix, SeededInit init, bool concat)
    {
        var o = e.Ops;
        if (concat && outDim % GatHeads != 0) throw new ArgumentException($"GAT needs a hidden size divisible by {GatHeads}; got {outDim}.");
        long heads = GatHeads, channels = concat ? outDim / GatHeads : outDim, n = e.NodeCount;
        var w = Parameter(o, prefix + "weight", init.Glorot(inDim, heads * channels));
        var attSource = Parameter(o, prefix + "att_src", init.Glorot(1, heads, channels));
        var attTarget = Parameter(o, prefix + "att_dst", init.Glorot(1, heads, channels));
        var b = Parameter(o, prefix + "bias", SeededInit.Zeros(outDim));

        var loops = o.Builder.Constant(Tensor.FromArray(Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray(), n), prefix + "self_loops");
        var withLoops = new EdgeList(o, o.Op("Concat", [e.Source, loops], Attribute.Of("axis", 0L)),
            o.Op("Concat", [e.Target, loops], Attribute.Of("axis", 0L)), n);

        var h = o.Reshape(x.Project(o, w), n, heads, channels);
        var scoreSource = o.ReduceSum(o.Op("Mul", h, attSource), [2], keepDims: false); // [n, heads]
        var scoreTarget = o.ReduceSum(o.Op("Mul", h, attTarget), [2], keepDims: false);
        var score = o.Op("LeakyRelu", [o.Op("Add", withLoops.AtSource(scoreSource), withLoops.AtTarget(scoreTarget))],
            Attribute.Of("alpha", GatNegativeSlope));
        var weight = o.Op("Exp", o.Op("Min", score, o.Scalar(GatScoreCap, DataType.Float)));  // [edges, heads]
        var total = withLoops.AtTarget(withLoops.SumAtTargets(weight));
        var alpha = o.Op("Div", weight, o.Op("Add", total, o.Scalar(1e-16, DataType.Float)));
        var messages = o.Op("Mul", withLoops.AtSource(h), o.Unsqueeze(alpha, 2));             // [edges, heads, channels]
        var summed = withLoops.SumAtTargets(messages);                                            // [n, heads, channels]
        return o.Op("Add", concat ? o.Reshape(summed, n, outDim) : o.ReduceMean(summed, [1], keepDims: false), b);
    }
}

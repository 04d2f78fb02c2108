using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Forward-forward with virtual class nodes (FF-VN): the SF-augmented graph, but each training node is linked to its
/// true class node in the positive graph and to a wrong one in each negative graph; the layer learns to give
/// positive nodes high goodness (Σh² − θ) and negative ones low, by binary cross-entropy.
/// </summary>
public static class ForwardForwardModels
{
    /// <summary>FF threshold θ (the reference's --ff-theta default).</summary>
    public const float Theta = 2f;

    /// <summary>
    /// Training form of layer <paramref name="layer"/>: the positive graph and <paramref name="negatives"/> negative
    /// graphs through the same layer (shared parameters; the first layer's graphs share one feature input), the
    /// goodness logits of the <paramref name="trainNodes"/> training nodes as one vector [2·K·T]: the positive ones
    /// K times, then each negative graph's, so the mean BCE weighs positives and negatives as the reference's
    /// loss_pos + mean_k loss_neg_k (up to a factor ½, which Adam does not see). Target input: K·T ones, K·T zeros.
    /// Inference form: one graph in, <see cref="GnnTensorNames.Hidden"/> [N + C, hidden] and <see cref="GnnTensorNames.Goodness"/>
    /// (mean h² − θ per real node) out.
    /// </summary>
    public static Model VirtualNodesLayer(GnnGraphSpec spec, int layer, int negatives, long trainNodes, bool inference)
    {
        long n = spec.Nodes, c = spec.Classes, all = n + c;
        var (model, ops) = GnnModels.NewModel($"ffvn_layer{layer}");
        var graph = model.Graph;
        var init = new SeededInit(spec.Seed * 1000 + layer);
        var classFeatures = new SeededInit(spec.Seed).Normal(c, spec.Features);
        NodeFeatures Input(int g)
        {
            if (layer == 0)
                return g == 0 ? NodeFeatures.Stack(GnnModels.FirstLayerInput(model, spec), NodeFeatures.Dense(graph.AddInitializer(GnnModels.ClassFeatures, classFeatures))) : null!;
            var name = g == 0 ? GnnTensorNames.Features : GnnTensorNames.Negative(GnnTensorNames.Features, g - 1);
            return NodeFeatures.Dense(graph.AddInput(name, new TensorType(DataType.Float, new Shape([all, spec.Hidden]))));
        }
        EdgeList Edges(int g)
        {
            var type = new TensorType(DataType.Int64, new Shape([spec.Edges]));
            string Name(string s) => g == 0 ? s : GnnTensorNames.Negative(s, g - 1);
            return new EdgeList(ops, graph.AddInput(Name(GnnTensorNames.EdgeSource), type), graph.AddInput(Name(GnnTensorNames.EdgeTarget), type), all);
        }
        Value Layer(NodeFeatures x, EdgeList e) => ops.Op("Relu", GnnLayer.Conv(spec.Conv, e, x, spec.Hidden, $"layer{layer}.", init));

        var first = Input(0).L2NormalizeRows(ops);
        var h = Layer(first, Edges(0));
        if (inference)
        {
            var real = ops.Op("Slice", h, ops.Ints(0), ops.Ints(n), ops.Ints(0));
            var goodness = ops.Op("Sub", ops.ReduceMean(ops.Op("Mul", real, real), [1], keepDims: false), ops.Scalar(Theta, DataType.Float));
            return GnnModels.Finish(model, [(h, GnnTensorNames.Hidden), (goodness, GnnTensorNames.Goodness)]);
        }

        var train = graph.AddInput(GnnTensorNames.TrainNodes, new TensorType(DataType.Int64, new Shape([trainNodes])));
        Value Logits(Value hidden)
        {
            var rows = ops.Op("Gather", [hidden, train], Attribute.Of("axis", 0L));
            return ops.Op("Sub", ops.ReduceSum(ops.Op("Mul", rows, rows), [1], keepDims: false), ops.Scalar(Theta, DataType.Float));
        }
        var positive = Logits(h);
        var parts = Enumerable.Repeat(positive, negatives).ToList();
        for (int k = 0; k < negatives; k++)
            parts.Add(Logits(Layer(layer == 0 ? first : Input(k + 1).L2NormalizeRows(ops), Edges(k + 1))));
        return GnnModels.Finish(model, [(ops.Op("Concat", [.. parts], Attribute.Of("axis", 0L)), GnnTensorNames.Logits)]);
    }
}

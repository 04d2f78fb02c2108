using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Forward-forward with label appending (FF-LA): the data graph unchanged, each node's features followed by a label
/// row (one-hot for labelled nodes, uniform 1/C otherwise). The positive graph appends the training nodes' true
/// labels, the negative graph a wrong one; the layer learns high goodness (Σh² − θ) for positive training nodes and
/// low for negative ones, by binary cross-entropy. Later layers read their own graph's output of the layer below.
/// </summary>
public static class LabelAppendingModels
{
    /// <summary>
    /// Training form of layer <paramref name="layer"/>: the positive graph and one negative graph through the same
    /// layer (shared parameters and edges; the first layer's graphs share the feature input and differ in
    /// <see cref="GnnTensorNames.AppendedLabels"/>), the goodness logits of the <paramref name="trainNodes"/> training nodes
    /// as one vector [2·T]: positive, then negative. Target input: T ones, T zeros. Inference form: one graph in,
    /// <see cref="GnnTensorNames.Hidden"/> [N, hidden] and <see cref="GnnTensorNames.Goodness"/> (Σh² − θ per node) out.
    /// </summary>
    public static Model Layer(GnnGraphSpec spec, int layer, long trainNodes, bool inference)
    {
        // The label columns are concatenated to the dense rows before the row normalisation (as the reference does).
        if (spec.FeatureNonZeros > 0) throw new ArgumentException("FF-LA appends label columns to dense features; sparse feature input is not supported.", nameof(spec));
        long n = spec.Nodes, c = spec.Classes;
        var (model, ops) = GnnModels.NewModel($"ffla_layer{layer}");
        var graph = model.Graph;
        var init = new SeededInit(spec.Seed * 1000 + layer);
        var edges = GnnModels.Edges(model, ops, spec, n);
        Value? features = layer == 0 ? graph.AddInput(GnnTensorNames.Features, new TensorType(DataType.Float, new Shape([n, spec.Features]))) : null;
        NodeFeatures Input(int g)
        {
            string Name(string s) => g == 0 ? s : GnnTensorNames.Negative(s, g - 1);
            if (layer > 0) return NodeFeatures.Dense(graph.AddInput(Name(GnnTensorNames.Features), new TensorType(DataType.Float, new Shape([n, spec.Hidden]))));
            var labels = graph.AddInput(Name(GnnTensorNames.AppendedLabels), new TensorType(DataType.Float, new Shape([n, c])));
            return NodeFeatures.Dense(ops.Op("Concat", [features!, labels], Attribute.Of("axis", 1L)));
        }
        Value Layer(NodeFeatures x) => ops.Op("Relu", GnnLayer.Conv(spec.Conv, edges, x.L2NormalizeRows(ops), spec.Hidden, $"layer{layer}.", init));
        Value Goodness(Value h) => ops.Op("Sub", ops.ReduceSum(ops.Op("Mul", h, h), [1], keepDims: false), ops.Scalar(ForwardForwardModels.Theta, DataType.Float));

        var positive = Layer(Input(0));
        if (inference) return GnnModels.Finish(model, [(positive, GnnTensorNames.Hidden), (Goodness(positive), GnnTensorNames.Goodness)]);

        var train = graph.AddInput(GnnTensorNames.TrainNodes, new TensorType(DataType.Int64, new Shape([trainNodes])));
        Value Logits(Value h) => Goodness(ops.Op("Gather", [h, train], Attribute.Of("axis", 0L)));
        var negative = Layer(Input(1));
        return GnnModels.Finish(model, [(ops.Op("Concat", [Logits(positive), Logits(negative)], Attribute.Of("axis", 0L)), GnnTensorNames.Logits)]);
    }
}

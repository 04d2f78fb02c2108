using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Link prediction: an edge's logit is the dot product of its two nodes' embeddings, trained with binary
/// cross-entropy against 1 for observed edges and 0 for sampled non-edges (target input [pairs]). Forward
/// (ForwardGNN-CE): each layer L2-normalises its input, convolves, applies ReLU and scores the pairs with its own
/// output. Backprop: the whole encoder (ReLU between layers, none after the last) under one loss. Inference forms
/// output <see cref="GnnTensorNames.Hidden"/> [N, hidden]; the runner scores any pair from it.
/// </summary>
public static class LinkModels
{
    public static Model ForwardLayer(GnnGraphSpec spec, int layer, long pairs, bool inference)
    {
        var (model, ops) = GnnModels.NewModel($"link_layer{layer}");
        var init = new SeededInit(spec.Seed * 1000 + layer);
        var x = layer == 0
            ? GnnModels.FirstLayerInput(model, spec)
            : NodeFeatures.Dense(model.Graph.AddInput(GnnTensorNames.Features, new TensorType(DataType.Float, new Shape([spec.Nodes, spec.Hidden]))));
        var edges = GnnModels.Edges(model, ops, spec, spec.Nodes);
        var h = ops.Op("Relu", GnnLayer.Conv(spec.Conv, edges, x.L2NormalizeRows(ops), spec.Hidden, $"layer{layer}.", init));
        return inference ? GnnModels.Finish(model, [(h, GnnTensorNames.Hidden)]) : GnnModels.Finish(model, [(PairLogits(model, h, pairs), GnnTensorNames.Logits)]);
    }

    public static Model Backprop(GnnGraphSpec spec, int layers, long pairs, bool inference)
    {
        var (model, ops) = GnnModels.NewModel($"link_bp_{layers}layers");
        var init = new SeededInit(spec.Seed);
        var input = GnnModels.FirstLayerInput(model, spec);
        var edges = GnnModels.Edges(model, ops, spec, spec.Nodes);
        Value h = null!;
        for (int i = 0; i < layers; i++)
        {
            h = GnnLayer.Conv(spec.Conv, edges, i == 0 ? input : NodeFeatures.Dense(h), spec.Hidden, $"layer{i}.", init);
            if (i < layers - 1) h = ops.Op("Relu", h);
        }
        return inference ? GnnModels.Finish(model, [(h, GnnTensorNames.Hidden)]) : GnnModels.Finish(model, [(PairLogits(model, h, pairs), GnnTensorNames.Logits)]);
    }

    private static Value PairLogits(Model model, Value h, long pairs)
    {
        var ops = new Autodiff.OpBuilder(model.Graph, model.OpsetImports);
        var type = new TensorType(DataType.Int64, new Shape([pairs]));
        var u = ops.Op("Gather", [h, model.Graph.AddInput(GnnTensorNames.PairSource, type)], Attribute.Of("axis", 0L));
        var v = ops.Op("Gather", [h, model.Graph.AddInput(GnnTensorNames.PairTarget, type)], Attribute.Of("axis", 0L));
        return ops.ReduceSum(ops.Op("Mul", u, v), [1], keepDims: false);
    }
}

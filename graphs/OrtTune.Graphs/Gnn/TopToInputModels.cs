using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Single-Forward with top-down signals to the input (Top-to-Input): an SF layer on the graph augmented with the
/// virtual class nodes whose input is [L2-norm(state of the layer below), L2-norm(state of the layer above, previous
/// time step)]; above the top layer the "state" is the label matrix [N + C, C]. Same SF loss and outputs.
/// </summary>
public static class TopToInputModels
{
    /// <param name="aboveWidth">Width of the <see cref="GnnTensorNames.TopDown"/> input: the hidden size, or the class count for the top layer.</param>
    public static Model Layer(GnnGraphSpec spec, int layer, long aboveWidth, bool inference)
    {
        long n = spec.Nodes, c = spec.Classes, all = n + c;
        var (model, ops) = GnnModels.NewModel($"sf_top2input_layer{layer}");
        var init = new SeededInit(spec.Seed * 1000 + layer);
        var classFeatures = new SeededInit(spec.Seed).Normal(c, spec.Features);
        var below = layer == 0
            ? NodeFeatures.Stack(GnnModels.FirstLayerInput(model, spec), NodeFeatures.Dense(model.Graph.AddInitializer(GnnModels.ClassFeatures, classFeatures)))
            : NodeFeatures.Dense(model.Graph.AddInput(GnnTensorNames.Features, new TensorType(DataType.Float, new Shape([all, spec.Hidden]))));
        var above = NodeFeatures.Dense(model.Graph.AddInput(GnnTensorNames.TopDown, new TensorType(DataType.Float, new Shape([all, aboveWidth]))));
        var edges = GnnModels.Edges(model, ops, spec, all);
        var x = NodeFeatures.Beside(below.L2NormalizeRows(ops), above.L2NormalizeRows(ops));
        var h = ops.Op("Relu", GnnLayer.Conv(spec.Conv, edges, x, spec.Hidden, $"layer{layer}.", init));
        var logits = GnnModels.ClassNodeLogits(ops, h, n, c);
        return GnnModels.Finish(model, inference
            ? [(h, GnnTensorNames.Hidden), (ops.Op("Softmax", [logits], Attribute.Of("axis", 1L)), GnnTensorNames.Probabilities)]
            : [(logits, GnnTensorNames.Logits)]);
    }
}

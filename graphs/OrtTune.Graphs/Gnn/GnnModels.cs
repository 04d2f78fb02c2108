using OrtTune.Graphs.Analysis;
using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Training;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Builds the forward graphs of the GNN training methods. Each comes in two forms from the same builder: the
/// training form (parameters as initializers, one output: the value the loss reads, ready for
/// <see cref="ArtifactBuilder"/>), and the inference form (parameters lifted to inputs of the same names, outputs
/// the runner needs to evaluate and to feed the next layer).
/// </summary>
public static class GnnModels
{
    /// <summary>Name of the frozen random features of the SF virtual class nodes (a constant of the first layer).</summary>
    public const string ClassFeatures = "class_features";

    /// <summary>
    /// One Single-Forward layer: L2-normalise rows → conv → ReLU over the graph augmented with one virtual node per
    /// class (nodes N..N+C−1). Logits = real-node outputs · class-node outputsᵀ [N, C]. The first layer appends the
    /// frozen random class-node features itself ([N, F] input); later layers take all N + C rows of the layer below.
    /// Inference outputs: <see cref="GnnTensorNames.Hidden"/> [N + C, hidden] and <see cref="GnnTensorNames.Probabilities"/> (softmax of the logits).
    /// </summary>
    /// <param name="layersAbove">
    /// SF with top-down signals to the loss (Top-to-Loss): the number of layers above this one. When positive, an input
    /// <see cref="GnnTensorNames.TopDown"/> [N + C, hidden] carries the sum of their (L2-normalised, previous-step) outputs,
    /// and the logits score the mean of this layer's output and those. Default 0: plain SF.
    /// </param>
    public static Model SingleForwardLayer(GnnGraphSpec spec, int layer, bool inference, int layersAbove = 0)
    {
        long n = spec.Nodes, c = spec.Classes, all = n + c;
        var (model, ops) = NewModel($"sf_layer{layer}");
        var init = new SeededInit(spec.Seed * 1000 + layer);
        // The class features are drawn first, from their own stream, so every layer count sees the same ones.
        var classFeatures = new SeededInit(spec.Seed).Normal(c, spec.Features);
        var x = layer == 0
            ? NodeFeatures.Stack(FirstLayerInput(model, spec), NodeFeatures.Dense(model.Graph.AddInitializer(ClassFeatures, classFeatures)))
            : NodeFeatures.Dense(model.Graph.AddInput(GnnTensorNames.Features, new TensorType(DataType.Float, new Shape([all, spec.Hidden]))));
        var edges = Edges(model, ops, spec, all);
        var h = ops.Op("Relu", GnnLayer.Conv(spec.Conv, edges, x.L2NormalizeRows(ops), spec.Hidden, $"layer{layer}.", init));
        var embedding = h;
        if (layersAbove > 0)
        {
            var above = model.Graph.AddInput(GnnTensorNames.TopDown, new TensorType(DataType.Float, new Shape([all, spec.Hidden])));
            embedding = ops.Op("Div", ops.Op("Add", h, above), ops.Scalar(1 + layersAbove, DataType.Float));
        }
        var logits = ClassNodeLogits(ops, embedding, n, c);
        return Finish(model, inference ? [(h, GnnTensorNames.Hidden), (ops.Op("Softmax", [logits], Attribute.Of("axis", 1L)), GnnTensorNames.Probabilities)] : [(logits, GnnTensorNames.Logits)]);
    }

    /// <summary>
    /// The backprop baseline (PyG's basic GCN/GraphSAGE/GAT): <paramref name="layers"/> convolutions with ReLU
    /// between them, the last one to the classes. Output: logits [N, C]; inference adds probabilities.
    /// </summary>
    public static Model Backprop(GnnGraphSpec spec, int layers, bool inference)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "A GNN needs at least one layer.");
        var (model, ops) = NewModel($"bp_{layers}layers");
        var init = new SeededInit(spec.Seed);
        var input = FirstLayerInput(model, spec);
        var edges = Edges(model, ops, spec, spec.Nodes);
        Value x = null!;
        for (int i = 0; i < layers; i++)
        {
            bool last = i == layers - 1;
            x = GnnLayer.Conv(spec.Conv, edges, i == 0 ? input : NodeFeatures.Dense(x), last ? spec.Classes : spec.Hidden, $"layer{i}.", init, output: last);
            if (!last) x = ops.Op("Relu", x);
        }
        return Finish(model, inference
            ? [(x, GnnTensorNames.Logits), (ops.Op("Softmax", [x], Attribute.Of("axis", 1L)), GnnTensorNames.Probabilities)]
            : [(x, GnnTensorNames.Logits)]);
    }

    /// <summary>Scores of the real nodes against the class nodes: h[:N] · h[N:]ᵀ (temperature 1).</summary>
    internal static Value ClassNodeLogits(OpBuilder ops, Value h, long n, long c)
    {
        var real = ops.Op("Slice", h, ops.Ints(0), ops.Ints(n), ops.Ints(0));
        var classes = ops.Op("Slice", h, ops.Ints(n), ops.Ints(n + c), ops.Ints(0));
        return ops.MatMul(real, classes, transB: true);
    }

    /// <summary>The data graph's node features: dense [N, F], or sparse non-zeros when the spec gives their count.</summary>
    internal static NodeFeatures FirstLayerInput(Model model, GnnGraphSpec spec)
    {
        var graph = model.Graph;
        if (spec.FeatureNonZeros <= 0)
            return NodeFeatures.Dense(graph.AddInput(GnnTensorNames.Features, new TensorType(DataType.Float, new Shape([spec.Nodes, spec.Features]))));
        var index = new TensorType(DataType.Int64, new Shape([spec.FeatureNonZeros]));
        return NodeFeatures.Sparse(graph.AddInput(GnnTensorNames.FeatureRow, index), graph.AddInput(GnnTensorNames.FeatureColumn, index),
            graph.AddInput(GnnTensorNames.FeatureValue, new TensorType(DataType.Float, new Shape([spec.FeatureNonZeros]))), spec.Nodes, spec.Features);
    }

    internal static (Model, OpBuilder) NewModel(string name)
    {
        var model = new Model(new Graph(name)) { IrVersion = 8, ProducerName = "OrtTune" };
        model.OpsetImports[""] = 18;
        return (model, new OpBuilder(model.Graph, model.OpsetImports));
    }

    internal static EdgeList Edges(Model model, OpBuilder ops, GnnGraphSpec spec, long nodeCount)
    {
        var type = new TensorType(DataType.Int64, new Shape([spec.Edges]));
        return new EdgeList(ops, model.Graph.AddInput(GnnTensorNames.EdgeSource, type), model.Graph.AddInput(GnnTensorNames.EdgeTarget, type), nodeCount);
    }

    /// <summary>Names the outputs; in inference form lifts the trained parameters (not frozen constants) to inputs.</summary>
    internal static Model Finish(Model model, (Value Value, string Name)[] outputs)
    {
        var graph = model.Graph;
        foreach (var (value, name) in outputs)
        {
            graph.RenameValue(value, name);
            graph.Outputs.Add(value);
        }
        if (outputs.Any(o => o.Name is GnnTensorNames.Hidden or GnnTensorNames.Probabilities or GnnTensorNames.Goodness))
            ParameterInputs.Lift(graph, graph.Initializers.Where(v => GradientPath.IsParameter(v) && v.Name != ClassFeatures).ToList());
        return model;
    }
}

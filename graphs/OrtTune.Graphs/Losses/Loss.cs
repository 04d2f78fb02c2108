using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Losses;

/// <summary>
/// Appends a loss block to a model: a labels (or target) graph input and the standard-op nodes that reduce the
/// prediction and the labels to one scalar loss. Every op on the prediction's path has a gradient rule, so
/// <see cref="ReverseMode"/> can differentiate the result; the label-only ops (Equal, Where, Less on int64) carry no
/// gradient. Half-precision predictions are cast to float first, so the loss and its reductions run in float.
/// The block adds no graph output; the training-graph builder decides where the loss goes.
/// </summary>
public static class Loss
{
    /// <summary>
    /// Adds the loss of <paramref name="prediction"/> (a value of <paramref name="model"/>'s main graph, of static
    /// shape) and returns the scalar loss, named <see cref="LossOptions.LossName"/>. The labels
    /// input is named <see cref="LossOptions.ResolvedLabelsName"/>.
    /// </summary>
    public static Value Append(Model model, Value prediction, LossOptions options)
    {
        var graph = model.Graph;
        if (prediction.Graph != graph)
            throw new ArgumentException($"'{prediction.Name}' is not a value of the model's main graph.", nameof(prediction));
        // Static like the rest of the training graph: ReverseMode and the typed OpBuilder need every dimension.
        if (prediction.TensorType is not { Shape.IsStatic: true } type || !type.ElemType.IsFloatingPoint())
            throw new ArgumentException(
                $"The loss needs a floating-point prediction of static shape (specialise the model first); '{prediction.Name}' is " +
                $"{prediction.Type?.ToString() ?? "untyped"}.", nameof(prediction));
        // Checked before anything is built, so a clash leaves the model untouched.
        CheckFree(graph, options.ResolvedLabelsName, "labels input");
        CheckFree(graph, options.LossName, "loss");
        if (options.ResolvedLabelsName == options.LossName)
            throw new ArgumentException($"The labels input and the loss cannot both be named '{options.LossName}'.");
        var dims = type.Shape!.ToArray();
        switch (options.Kind)
        {
            case LossKind.SequenceClassificationCrossEntropy: SequenceClassificationCrossEntropy.CheckShape(dims); break;
            case LossKind.CausalLMCrossEntropy: CausalLMCrossEntropy.CheckShape(dims); break;
        }

        var ops = new OpBuilder(graph, model.OpsetImports, options.NamePrefix);
        var x = type.ElemType is DataType.Float or DataType.Double
            ? prediction
            : ops.Op("Cast", [prediction], IR.Attribute.Of("to", (long)DataType.Float));
        var loss = options.Kind switch
        {
            LossKind.SequenceClassificationCrossEntropy => SequenceClassificationCrossEntropy.Build(ops, x, options),
            LossKind.CausalLMCrossEntropy => CausalLMCrossEntropy.Build(ops, x, options),
            LossKind.MeanSquaredError => MeanSquaredError.Build(ops, x, FloatTarget(graph, x, options)),
            LossKind.BinaryCrossEntropyWithLogits => BinaryCrossEntropyWithLogits.Build(ops, x, FloatTarget(graph, x, options)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown loss kind."),
        };
        graph.RenameValue(loss, options.LossName);
        return loss;
    }

    /// <summary>An int64 labels input of the given shape.</summary>
    internal static Value LabelsInput(Graph graph, LossOptions options, params long[] dims) =>
        graph.AddInput(options.ResolvedLabelsName, new TensorType(DataType.Int64, new Shape(dims)));

    /// <summary>A target of the (possibly upcast) prediction's type and shape.</summary>
    private static Value FloatTarget(Graph graph, Value x, LossOptions options) =>
        graph.AddInput(options.ResolvedLabelsName, new TensorType(x.ElemType, x.Shape));

    /// <summary>All axes of a value of known rank, for full reductions.</summary>
    internal static long[] AllAxes(Value v) => Enumerable.Range(0, v.Shape!.Rank).Select(i => (long)i).ToArray();

    private static void CheckFree(Graph graph, string name, string what)
    {
        bool taken = graph.Inputs.Any(v => v.Name == name) || graph.FindInitializer(name) is not null
                     || graph.AllNodes().Any(n => n.Outputs.Any(o => o?.Name == name));
        if (taken) throw new ArgumentException($"Cannot add the {what} '{name}': the model already has a value of that name.");
    }
}

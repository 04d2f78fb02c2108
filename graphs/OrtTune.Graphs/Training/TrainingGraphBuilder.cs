using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Training;

/// <summary>
/// Builds the portable training step: specialise the forward model to static shapes, lift the trainable parameters
/// to graph inputs, append the loss, differentiate, and expose loss and gradients as outputs. The result is an
/// ordinary ONNX graph that any ONNX Runtime build runs.
/// </summary>
public static class TrainingGraphBuilder
{
    /// <summary>
    /// Whether TokenTune selects by the decoder rule (first and last real token always kept): for a causal LM, and for
    /// a last-token classification head, which reads one position per example; the encoder rule could skip it and
    /// leave the body of that example without gradient. Otherwise the encoder rule (the first token kept).
    /// </summary>
    public static bool DecoderRule(TrainingGraphOptions options) =>
        options.Loss.Kind == LossKind.CausalLMCrossEntropy || options.Head is { Pooling: HeadPooling.Last };

    public static TrainingGraph Build(Model model, TrainingGraphOptions options)
    {
        var graph = model.Graph;
        // LoRA goes in before anything reads the graph's parameters or outputs, so its branches are ordinary forward nodes.
        var prepared = ForwardPreparation.Apply(model, options, training: true);
        var lora = prepared.Lora;
        // TokenTune after LoRA: the adapters are ordinary forward nodes by then, so both branches get them.
        bool decoderRule = DecoderRule(options);
        var tokenTune = options.TokenTune is { } tt ? TokenTuneRewrite.Apply(model, tt, decoderRule) : null;
        var prediction = ForwardPreparation.Prediction(graph, options.Prediction);

        var (trainable, frozen) = lora?.Split(graph) ?? options.Parameters.Split(graph);
        if (prepared.Head is { } head)
        {
            // A new head starts random: it trains whatever else is frozen (PEFT's modules_to_save).
            var added = head.Parameters.Select(n => graph.FindInitializer(n)!).Where(v => !trainable.Contains(v)).ToList();
            trainable.AddRange(added);
            frozen.RemoveAll(added.Contains);
        }
        var initial = ParameterInputs.Lift(graph, trainable);
        if (options.FoldWeightTransposes) WeightTransposeFolding.Apply(graph); // frozen weights in the layout they are read, as the eval graph stores them
        if (options.QuantizeFrozen is { } quantize) FrozenWeightQuantization.Apply(model, quantize);
        var dataInputs = graph.Inputs.Where(v => !initial.ContainsKey(v.Name)).Select(v => v.Name).ToList();

        Value loss;
        if (options.ModelLoss is { } own) loss = ModelLoss(graph, own, prediction);
        else
        {
            loss = tokenTune is not null && tokenTune.SelectedOutputs.Contains(prediction.Name)
                ? TokenTuneLoss.Append(model, prediction, tokenTune, options.Loss, OpBuilder.StaticShape(graph.Inputs.First(v => v.Name == options.TokenTune!.IdsInput))[1])
                : Loss.Append(model, prediction, options.Loss);
            dataInputs.Add(options.Loss.ResolvedLabelsName);
        }
        var autodiff = tokenTune is null
            ? options.Autodiff
            : options.Autodiff with { StopGradient = options.Autodiff.StopGradient.Concat(tokenTune.StopGradient).ToHashSet() };
        var forward = graph.Nodes.ToHashSet();
        var grads = ReverseMode.Differentiate(model, loss, trainable, autodiff);
        if (options.QuantizeFrozen is not null) FrozenWeightQuantization.DequantizeAgainForBackward(model, forward);

        var ops = new OpBuilder(graph, model.OpsetImports, "train/");
        var gradientNames = new Dictionary<string, string>(StringComparer.Ordinal);
        graph.Outputs.Clear();
        graph.Outputs.Add(loss);
        foreach (var p in trainable)
        {
            var g = grads[p];
            string name = p.Name + options.GradientSuffix;
            // An input, or a value already exposed for another parameter (tied weights), needs its own output node.
            if (g.Producer is null || g.IsGraphOutput) g = ops.Op("Identity", g);
            graph.RenameValue(g, graph.UniqueName(name));
            graph.Outputs.Add(g);
            gradientNames[p.Name] = g.Name;
        }
        graph.Outputs.Add(prediction);
        DeadCodeElimination.Sweep(graph);

        return new TrainingGraph
        {
            Model = model,
            LossName = loss.Name,
            PredictionName = prediction.Name,
            DataInputs = dataInputs,
            Trainable = trainable.Select(p => p.Name).ToList(),
            InitialParameters = initial,
            Frozen = frozen.Select(p => p.Name).ToList(),
            GradientNames = gradientNames,
            Vocabulary = prepared.Vocabulary,
            TokenTuneCount = tokenTune?.Count,
            TokenTuneDecoderRule = tokenTune is not null && decoderRule,
        };
    }

    /// <summary>The model output named <paramref name="name"/>, checked to be a float scalar other than the prediction.</summary>
    internal static Value ModelLoss(Graph graph, string name, Value prediction)
    {
        var loss = graph.Outputs.FirstOrDefault(o => o.Name == name)
                   ?? throw new OrtTuneException($"The model has no output '{name}' to use as the loss; outputs: {string.Join(", ", graph.Outputs.Select(o => o.Name))}.");
        if (loss == prediction)
            throw new OrtTuneException($"'{name}' is both the loss and the prediction; the model needs a prediction output besides its loss.");
        if (loss.TensorType is not { Shape.IsStatic: true } type || !type.ElemType.IsFloatingPoint() || type.Shape!.ToArray().Aggregate(1L, (a, b) => a * b) != 1)
            throw new OrtTuneException($"The loss output '{name}' must be one floating-point value; it is {loss.Type?.ToString() ?? "untyped"}.");
        return loss;
    }
}

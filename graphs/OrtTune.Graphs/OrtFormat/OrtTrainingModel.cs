using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// Turns OrtTune's portable training graph (forward + loss + standard-op backward, gradients as outputs) into the
/// training_model.onnx ONNX Runtime's training runtime runs. The backward stays OrtTune's own: the runtime runs any
/// standard op. What changes is the interface, to what onnxblock's build_gradient_accumulation_graph produces:
/// <list type="bullet">
/// <item>Every parameter the checkpoint holds is a graph input: the trainable ones (already lifted) and the frozen ones
/// (lifted here). The runtime feeds each graph input whose name is a checkpoint parameter from the checkpoint. Frozen
/// weights could stay initializers (the runtime leaves initializers alone and would simply not know them); lifting
/// them as onnxblock does keeps every weight in the checkpoint, where the runtime's parameter buffer (all
/// parameters), inference export and weight updates see them.</item>
/// <item>For every trainable p: an input <c>p_grad.accumulation.buffer</c> (p's type and shape) and a node
/// <c>com.microsoft::InPlaceAccumulatorV2(buffer, p_grad, lazy_reset_grad) → p_grad.accumulation.out</c> (BOOL [1],
/// a graph output): the runtime owns the buffer and the optimizer reads it. The p_grad outputs go.</item>
/// <item>One input <c>lazy_reset_grad</c>, BOOL [1], last.</item>
/// <item>Inputs ordered [user inputs, trainable, frozen, buffers, lazy_reset_grad]; outputs [loss, prediction,
/// accumulator flags]. The runtime classifies inputs by name, but eval must list the parameters in the same order
/// (see <see cref="OrtEvalModel"/>), so the order is fixed here.</item>
/// </list>
/// </summary>
public static class OrtTrainingModel
{
    /// <summary>
    /// Rewrites <paramref name="training"/>'s model in place. Returns the frozen parameters lifted to inputs, in graph
    /// order, with their values (they go into the checkpoint's frozen_params).
    /// </summary>
    public static IReadOnlyList<(string Name, Tensor Value)> Convert(TrainingGraph training)
    {
        var model = training.Model;
        var graph = model.Graph;
        Check(training);

        // Frozen parameters that the graph still reads; one the forward does not use vanished with the dead code.
        var frozen = training.Frozen.Select(graph.FindInitializer).OfType<Value>().ToList();
        var frozenValues = ParameterInputs.Lift(graph, frozen);

        var trainable = training.Trainable.Select(n => graph.Inputs.First(v => v.Name == n)).ToList();
        var gradients = training.GradientNames.ToDictionary(p => p.Key, p => graph.Outputs.First(o => o.Name == p.Value), StringComparer.Ordinal);
        var loss = graph.Outputs.First(o => o.Name == training.LossName);
        var prediction = graph.Outputs.First(o => o.Name == training.PredictionName);

        var reset = new Value(OrtFormatNames.LazyResetGrad, new TensorType(DataType.Bool, new Shape(1)));
        graph.AddInput(reset);
        var buffers = new List<Value>();
        var flags = new List<Value>();
        for (int i = 0; i < trainable.Count; i++)
        {
            var p = trainable[i];
            var buffer = graph.AddInput(OrtFormatNames.AccumulationBuffer(p.Name), p.TensorType!);
            buffers.Add(buffer);
            var node = new Node(OrtFormatNames.ContribDomain, OrtFormatNames.AccumulatorOp, [buffer, gradients[p.Name], reset],
                [OrtFormatNames.AccumulationOut(p.Name)], name: graph.UniqueName($"GradientAccumulator{i}"));
            graph.Append(node);
            var flag = node.Outputs[0]!;
            flag.Type = new TensorType(DataType.Bool, new Shape(1));
            flags.Add(flag);
        }

        var dataInputs = training.DataInputs.Select(n => graph.Inputs.First(v => v.Name == n)).ToList();
        var ordered = dataInputs.Concat(trainable).Concat(frozen).Concat(buffers).Append(reset).ToList();
        if (ordered.Count != graph.Inputs.Count)
        {
            var unexpected = graph.Inputs.Except(ordered).Select(v => v.Name);
            throw new OrtTuneException($"The training graph has inputs OrtTune did not expect: {string.Join(", ", unexpected)}.");
        }
        graph.Inputs.Clear();
        graph.Inputs.AddRange(ordered);
        graph.Outputs.Clear();
        graph.Outputs.Add(loss);
        graph.Outputs.Add(prediction);
        graph.Outputs.AddRange(flags);

        model.OpsetImports[OrtFormatNames.ContribDomain] = 1;
        model.ProducerName = "OrtTune";
        return frozen.Select(v => (v.Name, frozenValues[v.Name])).ToList();
    }

    /// <summary>Names the runtime would misread: user inputs or outputs it would take for gradients, or clashes with what is added.</summary>
    private static void Check(TrainingGraph training)
    {
        foreach (var name in training.DataInputs.Append(training.LossName).Append(training.PredictionName))
            if (OrtFormatNames.LooksLikeGradient(name) || name == OrtFormatNames.LazyResetGrad)
                throw new OrtTuneException(
                    $"'{name}' cannot be a user input or output of an ORT training model: the runtime takes names ending in " +
                    $"{string.Join(" / ", OrtFormatNames.GradientSuffixes)} for gradients and '{OrtFormatNames.LazyResetGrad}' for its reset flag. Rename it.");
        var graph = training.Model.Graph;
        var taken = graph.Inputs.Concat(graph.Initializers).Select(v => v.Name)
            .Concat(graph.AllNodes().SelectMany(n => n.Outputs).OfType<Value>().Select(v => v.Name)).ToHashSet(StringComparer.Ordinal);
        if (taken.Contains(OrtFormatNames.LazyResetGrad))
            throw new OrtTuneException($"The model already has a value named '{OrtFormatNames.LazyResetGrad}', the ORT format's gradient reset input.");
        foreach (var p in training.Trainable)
            foreach (var added in new[] { OrtFormatNames.AccumulationBuffer(p), OrtFormatNames.AccumulationOut(p) })
                if (taken.Contains(added))
                    throw new OrtTuneException($"The model already has a value named '{added}', which the ORT format needs for the gradient of '{p}'.");
    }
}

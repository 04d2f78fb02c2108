using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// Builds eval_model.onnx for ONNX Runtime's training runtime: forward + loss, outputs [loss, prediction], with every
/// checkpoint parameter (trainable and frozen) a graph input. The runtime's Module feeds the eval graph the same
/// parameter list it feeds the training graph, in training-graph order, matched to the eval graph's parameter inputs
/// in their order (it assumes, without checking, that both graphs list the same parameters in the same order), and
/// ExportModelForInferencing refuses parameters that are initializers. So the parameters are lifted here in exactly
/// the order of the training graph, and one the eval forward does not read still gets its input.
/// </summary>
public static class OrtEvalModel
{
    /// <param name="modelPath">The source model, as for the training graph.</param>
    /// <param name="options">The same shapes, loss and prediction the training graph was built with.</param>
    /// <param name="parameters">Every checkpoint parameter in training-graph input order.</param>
    public static Model Build(string modelPath, ArtifactOptions options, IReadOnlyList<(string Name, TensorType Type)> parameters)
    {
        var model = OnnxModelIO.Load(modelPath);
        // The same passes as TrainingGraphBuilder (LoRA branches included), so both graphs see the same parameters and prediction.
        ForwardPreparation.Apply(model, options.ToTrainingGraphOptions(), training: false);
        var graph = model.Graph;
        var prediction = ForwardPreparation.Prediction(graph, options.Prediction);

        var userInputs = graph.Inputs.ToList();
        var lifted = new List<Value>();
        foreach (var (name, type) in parameters)
        {
            if (graph.FindInitializer(name) is { } init)
            {
                ParameterInputs.Lift(graph, [init]);
                lifted.Add(init);
            }
            else if (graph.Inputs.Any(v => v.Name == name))
                throw new OrtTuneException($"Parameter '{name}' is an input of the source model, not an initializer.");
            else
                lifted.Add(graph.AddInput(name, type)); // read only by the backward pass: fed, never used
        }

        var loss = Loss.Append(model, prediction, options.Loss);
        var labels = graph.Inputs.First(v => v.Name == options.Loss.ResolvedLabelsName);
        graph.Outputs.Clear();
        graph.Outputs.Add(loss);
        graph.Outputs.Add(prediction);
        DeadCodeElimination.Sweep(graph);

        graph.Inputs.Clear();
        graph.Inputs.AddRange(userInputs.Append(labels).Concat(lifted));
        model.ProducerName = "OrtTune";
        return model;
    }
}

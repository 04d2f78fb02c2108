using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Writes one GNN training unit (a forward layer, or the whole backprop network) as a portable artifacts directory
/// (<see cref="ArtifactBuilder"/>: training, eval and optimizer graphs, checkpoint, manifest) plus
/// <see cref="GnnTensorNames.InferenceFile"/>, the inference form the runner evaluates with the trained parameters.
/// </summary>
public static class GnnArtifacts
{
    public const string ForwardFile = "forward.onnx";

    /// <summary>Inference graph for another edge count than the training graph's (graphs here have static shapes).</summary>
    public static string InferenceFileFor(long edges) => $"inference_{edges}edges.onnx";

    /// <param name="moreInference">Inference forms for other edge counts (evaluation graphs), saved as <see cref="InferenceFileFor"/>.</param>
    public static ArtifactManifest Write(Model training, Model inference, string directory, GnnTrainingOptions options,
        IEnumerable<(long Edges, Model Model)>? moreInference = null)
    {
        Directory.CreateDirectory(directory);
        var forward = Path.Combine(directory, ForwardFile);
        OnnxModelIO.Save(training, forward);
        OnnxModelIO.Save(inference, Path.Combine(directory, GnnTensorNames.InferenceFile));
        foreach (var (edges, model) in moreInference ?? []) OnnxModelIO.Save(model, Path.Combine(directory, InferenceFileFor(edges)));
        return ArtifactBuilder.Build(forward, directory, new ArtifactOptions
        {
            Shapes = new SpecializationOptions(),
            Loss = new LossOptions(options.Loss),
            Parameters = new ParameterSelection { Freeze = [GnnModels.ClassFeatures] },
            Optimizer = new AdamWOptions { WeightDecay = options.WeightDecay, MaxGradNorm = options.MaxGradNorm },
            LearningRate = options.LearningRate,
        });
    }
}

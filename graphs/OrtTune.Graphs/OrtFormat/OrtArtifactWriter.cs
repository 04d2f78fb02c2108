using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// Writes training artifacts in ONNX Runtime's own on-device-training format, the set onnxblock's
/// generate_artifacts produces, for ORT's TrainingSession (verified with onnxruntime-web 1.19.2, see
/// tests/conformance):
/// training_model.onnx (<see cref="OrtTrainingModel"/>), eval_model.onnx (<see cref="OrtEvalModel"/>),
/// optimizer_model.onnx (<see cref="OrtOptimizerModel"/>) and checkpoint (ODTC flatbuffer, version 2 — what ORT
/// 1.19 accepts — holding the trainable parameters as requires_grad_params and the frozen ones as frozen_params,
/// with no optimizer state: the runtime creates zero momentums itself). Independent of the portable
/// <see cref="ArtifactBuilder"/>; both start from <see cref="TrainingGraphBuilder"/>, so they compute the same loss
/// and gradients.
/// </summary>
/// <remarks>
/// A manifest.json (runtime "ort-training", checkpoint version 2) is written last, so tools can tell what the directory
/// needs. <see cref="ArtifactOptions.LearningRate"/> is recorded only there (for the ort-training backend, which sets
/// it through SetLearningRate): ORT's runtime takes the learning rate from its
/// own optimizer state (SetLearningRate / RegisterLinearLRScheduler; 1e-3 by default, and onnxruntime-web 1.19 cannot
/// change it). A checkpoint optimizer group's initial_learning_rate does not set it either (checked: the first step
/// of a checkpoint saying 0.01 still moves parameters by 1e-3). See <see cref="OrtOptimizerModel"/> for how the
/// optimizer settings map and which cannot.
/// </remarks>
public static class OrtArtifactWriter
{
    /// <summary>Builds the artifacts of <paramref name="modelPath"/> into <paramref name="outputDirectory"/> (created if needed).</summary>
    public static OrtArtifactSet Write(string modelPath, string outputDirectory, ArtifactOptions options, IProgress<string>? progress = null)
    {
        if (options.ModelLoss is not null)
            throw new OrtTuneException("The ORT-format writer appends its own loss block; ArtifactOptions.ModelLoss is for imported ORT sets, which already are in this format.");
        if (options.QuantizeFrozen is not null)
            throw new OrtTuneException("Quantized frozen weights (--quantize-frozen) are for the portable format only: the ORT format keeps frozen weights as float checkpoint parameters.");
        var source = Path.GetFullPath(modelPath);
        var directory = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(directory);

        progress?.Report("building the training graph");
        var training = TrainingGraphBuilder.Build(OnnxModelIO.Load(source), options.ToTrainingGraphOptions() with { FoldWeightTransposes = false });
        var frozen = OrtTrainingModel.Convert(training);
        var trainable = training.Trainable.Select(n => (Name: n, Value: training.InitialParameters[n])).ToList();
        // Built before anything is written, so settings the runtime cannot express leave no files behind.
        var optimizer = OrtOptimizerModel.Build(
            trainable.Select(p => new OptimizerParameter(p.Name, p.Value.DataType, p.Value.Dims.ToArray())).ToList(), options.Optimizer);
        OnnxModelIO.Save(training.Model, Path.Combine(directory, OrtFormatNames.TrainingModelFile));

        progress?.Report("building the eval graph");
        var parameters = trainable.Concat(frozen).ToList();
        var eval = OrtEvalModel.Build(source, options, parameters.Select(p => (p.Name, p.Value.Type)).ToList());
        OnnxModelIO.Save(eval, Path.Combine(directory, OrtFormatNames.EvalModelFile));

        progress?.Report("writing the optimizer graph");
        OnnxModelIO.Save(optimizer, Path.Combine(directory, OrtFormatNames.OptimizerModelFile));

        progress?.Report("writing the checkpoint");
        var checkpoint = new TrainingCheckpoint
        {
            TrainableParameters = trainable.Select(p => p.Value.ToNamed(p.Name)).ToList(),
            FrozenParameters = frozen.Select(p => p.Value.ToNamed(p.Name)).ToList(),
        };
        // Version 2 exactly: ORT 1.19 rejects any other checkpoint version.
        CheckpointWriter.Write(checkpoint, Path.Combine(directory, OrtFormatNames.CheckpointFile), new CheckpointWriteOptions { Version = 2 });

        // Last, so a directory with a manifest is complete; it tells tools (and `orttune train`) which runtime it needs.
        var graph = training.Model.Graph;
        new ArtifactManifest
        {
            Runtime = ArtifactManifest.OrtTrainingRuntime,
            CheckpointVersion = 2,
            CreatedBy = $"OrtTune {typeof(OrtArtifactWriter).Assembly.GetName().Version}",
            SourceModel = Path.GetFileName(source),
            SourceSha256 = ArtifactBuilder.Sha256(source),
            Inputs = training.DataInputs.Select(n => ArtifactBuilder.Spec(graph.Inputs.First(v => v.Name == n))).ToList(),
            LossName = training.LossName,
            LossKind = options.Loss.Kind.ToString(),
            IgnoreIndex = options.Loss.IgnoreIndex,
            PredictionName = training.PredictionName,
            Trainable = trainable.Select(p => new TensorSpec(p.Name, p.Value.DataType.OnnxName(), p.Value.Dims.ToArray())).ToList(),
            Frozen = frozen.Select(p => p.Name).ToList(),
            // The runtime keeps gradients in its own accumulation buffers; the graph outputs only their flags.
            Gradients = trainable.ToDictionary(p => p.Name, p => OrtFormatNames.AccumulationOut(p.Name)),
            Files = new ArtifactFiles
            {
                Training = OrtFormatNames.TrainingModelFile, Eval = OrtFormatNames.EvalModelFile,
                Optimizer = OrtFormatNames.OptimizerModelFile, Checkpoint = OrtFormatNames.CheckpointFile,
            },
            Optimizer = new OptimizerSpec
            {
                Kind = options.Optimizer is SgdOptions ? "sgd" : "adamw",
                LearningRate = options.LearningRate,
                Settings = ArtifactBuilder.Settings(options.Optimizer),
            },
            Methods = ArtifactBuilder.Methods(options, training),
            Vocabulary = training.Vocabulary is { } pema ? ArtifactBuilder.WriteVocabulary(pema, directory) : null,
        }.Save(directory);

        var parameterNames = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return new OrtArtifactSet
        {
            Directory = directory,
            TrainingInputs = training.DataInputs.ToList(),
            EvalInputs = eval.Graph.Inputs.Select(v => v.Name).Where(n => !parameterNames.Contains(n)).ToList(),
            LossName = training.LossName,
            PredictionName = training.PredictionName,
            Trainable = trainable.Select(p => Describe(p.Name, p.Value)).ToList(),
            Frozen = frozen.Select(p => Describe(p.Name, p.Value)).ToList(),
            Optimizer = options.Optimizer is SgdOptions ? "sgd" : "adamw",
        };
    }

    private static OrtParameter Describe(string name, Tensor t) => new(name, t.DataType.OnnxName(), t.Dims.ToArray());
}

using System.Security.Cryptography;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Training;

/// <summary>
/// Writes an artifacts directory for the portable backend: training_model.onnx (forward + loss + backward),
/// eval_model.onnx (forward + loss), optimizer_model.onnx, checkpoint (initial trainable parameters, ORT flatbuffer
/// format) and manifest.json. Every file is written atomically; the manifest goes last, so a directory with a
/// manifest is complete.
/// </summary>
public static class ArtifactBuilder
{
    /// <summary>Manifest loss kind of artifacts whose model computes its own loss (<see cref="ArtifactOptions.ModelLoss"/>).</summary>
    public const string ModelOutputLossKind = "ModelOutput";

    public static ArtifactManifest Build(string modelPath, string outputDirectory, ArtifactOptions options, IProgress<string>? progress = null)
    {
        var source = Path.GetFullPath(modelPath);
        return Build(new ArtifactSource(Path.GetFileName(source), Sha256(source), _ => OnnxModelIO.Load(source)), outputDirectory, options, progress);
    }

    /// <summary>
    /// Where the forward model comes from when it is not one file (an imported ORT artifact set): a name and hash for
    /// the manifest, a loader called once for the training graph (argument true) and once for the eval graph (false),
    /// and optionally the optimizer state to start from, given the trainable parameters and the optimizer's binding.
    /// </summary>
    internal sealed record ArtifactSource(string Name, string Sha256, Func<bool, Model> Load,
        Func<IReadOnlyList<NamedTensor>, OptimizerBinding, List<OptimizerGroup>>? InitialOptimizerState = null);

    internal static ArtifactManifest Build(ArtifactSource source, string outputDirectory, ArtifactOptions options, IProgress<string>? progress = null)
    {
        Directory.CreateDirectory(outputDirectory);
        var files = new ArtifactFiles();

        progress?.Report("building the training graph");
        var training = TrainingGraphBuilder.Build(source.Load(true), options.ToTrainingGraphOptions());
        var model = training.Model;
        model.ProducerName = "OrtTune";

        progress?.Report("building the eval graph");
        var eval = BuildEval(source.Load(false), options, training);
        // The weights both graphs hold go to one file that both refer to (and the runner loads once).
        var shared = SharedWeights.Write(outputDirectory, model.Graph, eval.Graph);
        var sharedPath = Path.Combine(outputDirectory, shared?.File ?? SharedWeightsSpec.DefaultFile);
        if (shared is null && File.Exists(sharedPath)) File.Delete(sharedPath); // earlier artifacts' file, now unused
        var save = new SaveOptions { SharedDataFiles = shared is null ? [] : [sharedPath] };
        OnnxModelIO.Save(model, Path.Combine(outputDirectory, files.Training), save);
        OnnxModelIO.Save(eval, Path.Combine(outputDirectory, files.Eval), save);

        progress?.Report("building the optimizer graph");
        var parameters = training.Trainable.Select(n => new OptimizerParameter(n, training.InitialParameters[n].DataType,
            training.InitialParameters[n].Dims.ToArray())).ToList();
        var optimizer = options.Optimizer switch
        {
            AdamWOptions adam => AdamW.Build(parameters, adam),
            SgdOptions sgd => Sgd.Build(parameters, sgd),
            _ => throw new OrtTuneException($"Unsupported optimizer options {options.Optimizer.GetType().Name}."),
        };
        // The runner always feeds grad_scale; as a plain input (no default initializer) ORT neither warns nor loses folding.
        if (optimizer.Model.Graph.FindInitializer(OptimizerNames.GradScale) is { } gradScale) optimizer.Model.Graph.RemoveInitializer(gradScale);
        OnnxModelIO.Save(optimizer.Model, Path.Combine(outputDirectory, files.Optimizer));

        progress?.Report("writing the checkpoint");
        var binding = Binding(optimizer, options.Optimizer);
        var trainableTensors = training.Trainable.Select(n => training.InitialParameters[n].ToNamed(n)).ToList();
        var checkpoint = new TrainingCheckpoint
        {
            TrainableParameters = trainableTensors,
            OptimizerGroups = source.InitialOptimizerState?.Invoke(trainableTensors, binding) ?? [],
        };
        CheckpointWriter.Write(checkpoint, Path.Combine(outputDirectory, files.Checkpoint));
        var vocabulary = training.Vocabulary is { } pema ? WriteVocabulary(pema, outputDirectory) : null;

        var graph = model.Graph;
        var manifest = new ArtifactManifest
        {
            CreatedBy = $"OrtTune {typeof(ArtifactBuilder).Assembly.GetName().Version}",
            SourceModel = source.Name,
            SourceSha256 = source.Sha256,
            Inputs = training.DataInputs.Select(n => Spec(graph.Inputs.First(v => v.Name == n))).ToList(),
            LossName = training.LossName,
            LossKind = options.ModelLoss is null ? options.Loss.Kind.ToString() : ModelOutputLossKind,
            IgnoreIndex = options.Loss.IgnoreIndex,
            PredictionName = training.PredictionName,
            Trainable = training.Trainable.Select(n => Spec(graph.Inputs.First(v => v.Name == n))).ToList(),
            Frozen = training.Frozen.ToList(),
            Gradients = new Dictionary<string, string>(training.GradientNames),
            Files = files,
            Optimizer = new OptimizerSpec
            {
                Kind = options.Optimizer is SgdOptions ? "sgd" : "adamw",
                LearningRate = options.LearningRate,
                Settings = Settings(options.Optimizer),
            },
            OptimizerBinding = binding,
            Methods = Methods(options, training),
            Vocabulary = vocabulary,
            SharedWeights = shared,
        };
        manifest.Save(outputDirectory);
        return manifest;
    }

    /// <summary>Forward + loss with the same trainable parameters lifted to inputs, so one set of tensors feeds both graphs.</summary>
    private static Model BuildEval(Model model, ArtifactOptions options, TrainingGraph training)
    {
        // The same branches as the training graph, without the adapter Dropout.
        ForwardPreparation.Apply(model, options.ToTrainingGraphOptions(), training: false);
        var graph = model.Graph;
        var prediction = graph.Outputs.First(o => o.Name == training.PredictionName);
        ParameterInputs.Lift(graph, training.Trainable.Select(n => graph.FindInitializer(n)!));
        WeightTransposeFolding.Apply(graph); // as in the training graph, so that both store a frozen weight alike
        if (options.QuantizeFrozen is { } quantize) FrozenWeightQuantization.Apply(model, quantize);
        var loss = options.ModelLoss is { } own ? TrainingGraphBuilder.ModelLoss(graph, own, prediction) : Loss.Append(model, prediction, options.Loss);
        graph.Outputs.Clear();
        graph.Outputs.Add(loss);
        graph.Outputs.Add(prediction);
        DeadCodeElimination.Sweep(graph);
        model.ProducerName = "OrtTune";
        return model;
    }

    /// <summary>The manifest's record of the rewrites these artifacts were built with (both artifact writers use it).</summary>
    internal static Dictionary<string, Dictionary<string, string>> Methods(ArtifactOptions options, TrainingGraph training)
    {
        var methods = new Dictionary<string, Dictionary<string, string>>();
        if (options.Lora is { } lora) methods["lora"] = lora.ToSettings();
        if (options.TokenTune is { } tokenTune)
            methods["tokentune"] = tokenTune.ToSettings(training.TokenTuneCount!.Value, training.TokenTuneDecoderRule);
        if (options.Head is { } head) methods["head"] = new() { ["spec"] = head.ToSpec() };
        if (options.QuantizeFrozen is { } q)
            methods[FrozenWeightQuantization.MethodName] = new() { ["frozen"] = "int8", ["minElements"] = q.MinElements.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (training.Vocabulary is { } pema)
            methods["pema"] = new()
            {
                ["embedding"] = pema.Embedding,
                ["used"] = pema.UsedIds.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["vocabulary"] = pema.FullSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tied"] = pema.Tied ? "true" : "false",
            };
        return methods;
    }

    /// <summary>PEMA: the full pretrained matrix goes beside the manifest (as a one-tensor checkpoint), so exports can restore every row.</summary>
    internal static VocabularySpec WriteVocabulary(PemaRewrite.Result pema, string outputDirectory)
    {
        var spec = new VocabularySpec
        {
            Embedding = pema.Embedding,
            FullSize = pema.FullSize,
            Dim = pema.Dim,
            UsedIds = pema.UsedIds,
            Tied = pema.Tied,
        };
        CheckpointWriter.Write(new TrainingCheckpoint { FrozenParameters = [pema.Original.ToNamed(pema.Embedding)] },
            Path.Combine(outputDirectory, spec.OriginalFile));
        return spec;
    }

    private static OptimizerBinding Binding(OptimizerModel optimizer, OptimizerOptions options)
    {
        // ORT's checkpoint names optimizer state momentum0/momentum1; keep those names so one checkpoint serves both backends.
        string CheckpointName(string state) => state switch
        {
            var s when s.EndsWith(".exp_avg", StringComparison.Ordinal) || s.EndsWith(".momentum_buffer", StringComparison.Ordinal) => OptimizerGroup.FirstMomentName,
            var s when s.EndsWith(".exp_avg_sq", StringComparison.Ordinal) => OptimizerGroup.SecondMomentName,
            _ => state,
        };
        var inputs = optimizer.Model.Graph.Inputs.Select(v => v.Name).ToHashSet();
        return new OptimizerBinding
        {
            LearningRate = OptimizerNames.LearningRate,
            Step = OptimizerNames.Step,
            GradScale = inputs.Contains(OptimizerNames.GradScale) ? OptimizerNames.GradScale : null,
            GradNorm = optimizer.HasGradNorm ? OptimizerNames.GradNorm : null,
            Slots = optimizer.Slots.Select(s => new OptimizerSlotSpec(s.Parameter, s.Gradient, s.States.ToList(),
                s.UpdatedParameter, s.UpdatedStates.ToList(), s.States.Select(CheckpointName).ToList())).ToList(),
        };
    }

    internal static Dictionary<string, double> Settings(OptimizerOptions options) => options switch
    {
        AdamWOptions a => new() { ["beta1"] = a.Beta1, ["beta2"] = a.Beta2, ["epsilon"] = a.Epsilon, ["weightDecay"] = a.WeightDecay, ["maxGradNorm"] = a.MaxGradNorm ?? 0, ["huggingFaceForm"] = a.HuggingFaceForm ? 1 : 0 },
        SgdOptions s => new() { ["momentum"] = s.Momentum, ["dampening"] = s.Dampening, ["nesterov"] = s.Nesterov ? 1 : 0, ["weightDecay"] = s.WeightDecay, ["maxGradNorm"] = s.MaxGradNorm ?? 0 },
        _ => [],
    };

    internal static TensorSpec Spec(Value v) => new(v.Name, v.ElemType.OnnxName(), Autodiff.OpBuilder.StaticShape(v));


    /// <summary>SHA-256 of the files' bytes one after the other, streamed (a large model is never in memory at once).</summary>
    internal static string Sha256(params string[] paths)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var path in paths)
        {
            using var stream = File.OpenRead(path);
            for (int n; (n = stream.Read(buffer)) > 0;) hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

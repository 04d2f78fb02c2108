using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Import;

/// <summary>
/// Turns an ONNX Runtime on-device-training artifact set (eval_model.onnx + checkpoint, as onnxblock's
/// generate_artifacts writes them) into a portable OrtTune artifacts directory that plain ONNX Runtime trains.
/// </summary>
/// <remarks>
/// <para>The eval model is the forward pass plus the loss with the parameters as graph inputs; ORT binds them to the
/// checkpoint by name, and so does the import: every checkpoint parameter must be an eval-model input of the same
/// type and shape (otherwise the set is refused, naming the parameters), trainable ones (requires_grad_params) train,
/// frozen ones become constants, and the remaining inputs are the data and labels. The eval model's first output is
/// the loss (ORT's convention), its second the prediction. The training graph is then rebuilt from that forward with
/// OrtTune's own autodiff (<see cref="ArtifactBuilder"/> with <see cref="ArtifactOptions.ModelLoss"/>); ORT's
/// training_model.onnx, whose gradient ops are ORT-internal, is not read.</para>
/// <para>The checkpoint's optimizer state (group "group0": step and momentum0/momentum1 per parameter), when present,
/// becomes the portable checkpoint's optimizer state, so training continues where ORT left it. Checkpoint versions 1
/// and 2 are both read (ORT 1.19 itself only loads version 2).</para>
/// </remarks>
public static class OrtArtifactImporter
{
    public static OrtImportResult Import(string sourceDirectory, string outputDirectory, OrtImportOptions options,
        IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        var source = Path.GetFullPath(sourceDirectory);
        if (!Directory.Exists(source)) throw new OrtTuneException($"'{sourceDirectory}' is not a directory.");
        var evalPath = Path.Combine(source, OrtFormatNames.EvalModelFile);
        var checkpointPath = Path.Combine(source, options.CheckpointFile);
        if (!File.Exists(evalPath))
            throw new OrtTuneException($"'{source}' is not an ONNX Runtime training artifact set: {OrtFormatNames.EvalModelFile} is missing.");
        if (!File.Exists(checkpointPath))
            throw new OrtTuneException($"'{source}' has no checkpoint file '{options.CheckpointFile}'.");

        progress?.Report("reading the checkpoint");
        var checkpoint = CheckpointReader.Read(checkpointPath);
        if (checkpoint.IsNominalState)
            throw new OrtTuneException($"Checkpoint '{checkpointPath}' is nominal (parameter names and shapes without values); import needs real parameter values.");
        var eval = OnnxModelIO.Load(evalPath);
        CheckBinding(eval.Graph, checkpoint, checkpointPath, evalPath);
        cancellation.ThrowIfCancellationRequested();

        var optimizerPath = Path.Combine(source, OrtFormatNames.OptimizerModelFile);
        var (optimizer, optimizerSource) = options.Optimizer is { } given ? (given, "options")
            : File.Exists(optimizerPath) ? (OrtOptimizerSettings.Read(OnnxModelIO.Load(optimizerPath)), OrtFormatNames.OptimizerModelFile)
            : ((OptimizerOptions)OrtOptimizerSettings.OnnxblockDefaults, "onnxblock defaults");

        var outputs = eval.Graph.Outputs;
        if (outputs.Count < 2)
            throw new OrtTuneException($"{evalPath} has {outputs.Count} output(s); an ORT eval model has the loss first and at least one prediction output after it.");
        var trainable = checkpoint.TrainableParameters.Select(p => p.Name).ToList();
        if (trainable.Count == 0) throw new OrtTuneException($"Checkpoint '{checkpointPath}' has no trainable parameters (requires_grad_params is empty).");
        var artifactOptions = new ArtifactOptions
        {
            Shapes = KeepParametersUnfolded(options.Shapes, checkpoint),
            // Unused with ModelLoss (the eval model's loss is the loss), but required by the record.
            Loss = new LossOptions(LossKind.SequenceClassificationCrossEntropy),
            ModelLoss = outputs[0].Name,
            Prediction = outputs[1].Name,
            Parameters = new ParameterSelection { Train = trainable.Select(EscapeGlob).ToList() },
            Optimizer = optimizer,
            LearningRate = options.LearningRate,
        };

        int dropoutNodes = 0;
        long? carriedStep = null;
        Model Load(bool training)
        {
            cancellation.ThrowIfCancellationRequested();
            var model = training ? OnnxModelIO.Load(evalPath) : eval;
            BindParameters(model.Graph, checkpoint);
            if (training && options.TrainingDropout) dropoutNodes = EnableTrainingDropout(model.Graph);
            return model;
        }
        List<OptimizerGroup> InitialState(IReadOnlyList<NamedTensor> parameters, OptimizerBinding binding)
        {
            if (!options.CarryOptimizerState || checkpoint.FindOptimizerGroup(OptimizerGroup.DefaultGroupName) is not { ParameterStates.Count: > 0 } group)
                return [];
            carriedStep = group.Step;
            return [CarryOver(group, binding, parameters, (float)options.LearningRate, checkpointPath)];
        }

        var manifest = ArtifactBuilder.Build(
            new ArtifactBuilder.ArtifactSource($"{Path.GetFileName(source)}/{OrtFormatNames.EvalModelFile}", ArtifactBuilder.Sha256(evalPath, checkpointPath), Load, InitialState),
            outputDirectory, artifactOptions, progress);
        var built = manifest.Trainable.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var untrained = trainable.Where(n => !built.Contains(n)).ToList();
        if (untrained.Count > 0)
        {
            // Without its manifest the directory is not an artifacts directory, so nothing can train on the partial result.
            File.Delete(Path.Combine(outputDirectory, ArtifactManifest.FileName));
            throw new OrtTuneException(
                $"Checkpoint parameters {string.Join(", ", untrained)} are trainable in ORT but cannot train here (not float tensors of more than one element " +
                "on the loss's path); nothing usable was written.");
        }
        return new OrtImportResult
        {
            Manifest = manifest,
            SourceCheckpointVersion = checkpoint.Version,
            OptimizerSource = optimizerSource,
            CarriedOptimizerStep = carriedStep,
            TrainingDropoutNodes = dropoutNodes,
        };
    }

    /// <summary>
    /// Refuses a checkpoint that does not belong to the eval model: each of its parameters must be a graph input of
    /// the same element type and a compatible shape. Lists every mismatch, not just the first.
    /// </summary>
    internal static void CheckBinding(Graph graph, TrainingCheckpoint checkpoint, string checkpointPath, string evalPath)
    {
        var inputs = graph.Inputs.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var missing = new List<string>();
        var wrong = new List<string>();
        foreach (var p in checkpoint.AllParameters)
        {
            if (!inputs.TryGetValue(p.Name, out var input))
            {
                missing.Add(p.Name);
                continue;
            }
            if (input.TensorType is not { } type) continue;
            bool typeOk = (int)type.ElemType == (int)p.ElementType;
            bool shapeOk = type.Shape is null || (type.Shape.Rank == p.Dims.Count
                && type.Shape.Select((d, i) => d.Value is not { } v || v == p.Dims[i]).All(ok => ok));
            if (!typeOk || !shapeOk) wrong.Add($"'{p.Name}' is {p.ElementType}[{string.Join(",", p.Dims)}] in the checkpoint but {type} in the model");
        }
        if (missing.Count == 0 && wrong.Count == 0) return;
        var parameterLike = graph.Inputs.Where(v => checkpoint.FindParameter(v.Name) is null).Select(v => v.Name).ToList();
        var message = $"Checkpoint '{checkpointPath}' does not match {evalPath}:";
        if (missing.Count > 0)
            message += $" checkpoint parameter(s) {string.Join(", ", missing.Take(8).Select(n => $"'{n}'"))}{(missing.Count > 8 ? $" and {missing.Count - 8} more" : "")} " +
                       $"are not inputs of the model (its other inputs: {string.Join(", ", parameterLike.Take(8))}).";
        if (wrong.Count > 0) message += " " + string.Join("; ", wrong.Take(8)) + ".";
        throw new OrtTuneException(message + " The checkpoint belongs to other artifacts, or a parameter was renamed.");
    }

    /// <summary>Turns the parameter inputs into initializers holding the checkpoint's values (the Value objects stay, so their uses do).</summary>
    private static void BindParameters(Graph graph, TrainingCheckpoint checkpoint)
    {
        foreach (var p in checkpoint.AllParameters)
        {
            var input = graph.Inputs.First(v => v.Name == p.Name);
            graph.Inputs.Remove(input);
            graph.AddInitializer(input, p.ToTensor());
        }
    }

    /// <summary>
    /// ORT's training model runs Dropout in training mode; its eval model (the import's source) has training_mode
    /// cleared. Sets it back to true on every Dropout whose training_mode is absent; returns how many. Each gets a
    /// seed of its own where it has none, so that a training run is reproducible (masks still change every step).
    /// </summary>
    private static int EnableTrainingDropout(Graph graph)
    {
        int count = 0;
        Value? on = null;
        foreach (var node in graph.Nodes.Where(n => n.Domain.Length == 0 && n.OpType == "Dropout").ToList())
        {
            if (node.InputOrNull(2) is not null) continue;
            on ??= graph.AddInitializer(graph.UniqueName("import/dropout_training_mode"), Tensor.Scalar(true));
            if (node.InputOrNull(1) is null)
                node.SetInput(1, graph.AddInitializer(graph.UniqueName("import/dropout_ratio"), Tensor.Scalar(0.5f)));
            node.SetInput(2, on);
            if (node.Attr("seed") is null) node.SetAttr(IR.Attribute.Of("seed", (long)(count + 1)));
            count++;
        }
        return count;
    }

    /// <summary>The ORT group's step and per-parameter states under the names the portable optimizer's binding uses.</summary>
    private static OptimizerGroup CarryOver(OptimizerGroup source, OptimizerBinding binding, IReadOnlyList<NamedTensor> parameters,
        float learningRate, string checkpointPath)
    {
        var group = new OptimizerGroup { Step = source.Step, InitialLearningRate = learningRate };
        var byName = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        foreach (var slot in binding.Slots)
        {
            var saved = source.Find(slot.Parameter)
                        ?? throw new OrtTuneException($"Checkpoint '{checkpointPath}' has optimizer state for some parameters but not for '{slot.Parameter}'.");
            var states = slot.CheckpointStates.Select(name => saved.Find(name) ?? throw new OrtTuneException(
                $"Checkpoint '{checkpointPath}' has no '{name}' state for '{slot.Parameter}' (it has {string.Join(", ", saved.States.Select(s => s.Name))}); " +
                "the optimizer chosen needs it. Import without the optimizer state or choose the optimizer the checkpoint was trained with.")).ToList();
            var shape = byName[slot.Parameter].GetDims();
            foreach (var s in states)
                if (!s.GetDims().SequenceEqual(shape))
                    throw new OrtTuneException($"Checkpoint '{checkpointPath}': state '{s.Name}' of '{slot.Parameter}' has shape [{string.Join(",", s.GetDims())}], the parameter [{string.Join(",", shape)}].");
            group.ParameterStates.Add(new ParameterOptimizerState(slot.Parameter, states));
        }
        return group;
    }

    /// <summary>
    /// Specialisation folds small float initializers as constants (up to MaxFoldElements elements); in an imported
    /// model small tensors can be trainable (LoRA factors of 64 values), and folding them, e.g. MatMul(A, B) into one
    /// constant, would cut them off the gradient path. So the bound is lowered below the smallest trainable parameter.
    /// </summary>
    private static SpecializationOptions KeepParametersUnfolded(SpecializationOptions shapes, TrainingCheckpoint checkpoint)
    {
        long smallest = checkpoint.TrainableParameters.Min(p => p.ElementCount);
        long bound = Math.Min(shapes.Inference.MaxFoldElements, Math.Max(0, smallest - 1));
        return shapes with { Inference = shapes.Inference with { MaxFoldElements = bound } };
    }

    /// <summary>A glob matching exactly <paramref name="name"/> ('*' and '?' become '?', which also matches themselves).</summary>
    private static string EscapeGlob(string name) => name.Replace('*', '?');

}

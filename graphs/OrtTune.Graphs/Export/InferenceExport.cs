using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Export;

/// <summary>
/// Turns trained artifacts into a plain inference model: the eval graph's forward with every parameter baked in as an
/// initializer (frozen ones as prepared, trained ones from the checkpoint), LoRA adapters merged into their base
/// weights and the branches removed, the loss and its labels input dropped. Its one output is the artifacts'
/// prediction, equal to what the eval graph computes on the same parameters; inputs keep the prepared static shapes.
/// </summary>
public static class InferenceExport
{
    /// <summary>The merged model for <paramref name="checkpoint"/>'s trainable parameters.</summary>
    /// <exception cref="OrtTuneException">The checkpoint does not fit the artifacts (other model, missing parameter).</exception>
    public static Model Build(string artifactsDirectory, TrainingCheckpoint checkpoint)
    {
        var manifest = ArtifactManifest.Load(artifactsDirectory);
        var model = OnnxModelIO.Load(Path.Combine(artifactsDirectory, manifest.Files.Eval));
        var graph = model.Graph;
        var trained = checkpoint.TrainableParameters.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var foreign = trained.Keys.Except(manifest.Trainable.Select(t => t.Name)).Take(3).ToList();
        if (foreign.Count > 0)
            throw new OrtTuneException($"The checkpoint holds parameters these artifacts do not train ({string.Join(", ", foreign)}): it belongs to other artifacts.");

        var adapters = new List<NamedTensor>();
        foreach (var spec in manifest.Trainable)
        {
            if (!trained.TryGetValue(spec.Name, out var value))
                throw new OrtTuneException($"The checkpoint has no value for trainable parameter '{spec.Name}'.");
            if (!value.GetDims().SequenceEqual(spec.Shape))
                throw new OrtTuneException($"Parameter '{spec.Name}' is [{string.Join(",", value.GetDims())}] in the checkpoint but [{string.Join(",", spec.Shape)}] in the artifacts: they come from another model.");
            if (LoraRewrite.IsAdapter(spec.Name))
            {
                adapters.Add(value);
                continue;
            }
            var input = graph.Inputs.FirstOrDefault(v => v.Name == spec.Name)
                        ?? throw new OrtTuneException($"The eval graph has no input for trainable parameter '{spec.Name}'.");
            graph.Inputs.Remove(input);
            graph.AddInitializer(input, value.ToTensor());
        }
        // Weights held in int8 go back to float (the dequantized values they trained as), so adapters merge into them.
        if (manifest.Methods.ContainsKey(FrozenWeightQuantization.MethodName)) FrozenWeightQuantization.Restore(model);
        if (adapters.Count > 0)
        {
            var settings = manifest.Methods.GetValueOrDefault("lora")
                           ?? throw new OrtTuneException("The checkpoint holds LoRA adapters but the artifacts' manifest records no LoRA settings.");
            LoraMerge.Apply(model, adapters, LoraOptions.FromSettings(settings));
        }

        if (manifest.Vocabulary is { } vocabulary)
        {
            // PEMA: the full vocabulary again, trained rows at their ids, so the export reads original ids of any text.
            var originalPath = Path.Combine(artifactsDirectory, vocabulary.OriginalFile);
            var original = CheckpointReader.Read(originalPath).FindParameter(vocabulary.Embedding)
                           ?? throw new OrtTuneException($"{originalPath} does not hold the embedding '{vocabulary.Embedding}'.");
            PemaRestore.Apply(model, vocabulary, original);
        }

        var prediction = graph.Outputs.FirstOrDefault(o => o.Name == manifest.PredictionName)
                         ?? throw new OrtTuneException($"The eval graph has no output '{manifest.PredictionName}'.");
        graph.Outputs.Clear();
        graph.Outputs.Add(prediction);
        DeadCodeElimination.Sweep(graph);
        // The labels fed only the loss.
        graph.Inputs.RemoveAll(v => v.Uses.Count == 0);
        var parameters = manifest.Trainable.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (graph.Inputs.FirstOrDefault(v => parameters.Contains(v.Name)) is { } left)
            throw new OrtTuneException($"Parameter '{left.Name}' is still a graph input after the export; a rewrite is not undone.");
        model.ProducerName = "OrtTune";
        return model;
    }

    /// <summary>Builds the merged model and saves it to <paramref name="outputPath"/> (atomically).</summary>
    public static Model Write(string artifactsDirectory, TrainingCheckpoint checkpoint, string outputPath)
    {
        var model = Build(artifactsDirectory, checkpoint);
        // Frozen weights come from the artifacts' shared file: copy them in, so the export is one file where it can be.
        OnnxModelIO.Save(model, outputPath, new SaveOptions { ExternalData = OnnxModelIO.FitsInOneFile(model) ? ExternalDataMode.Never : ExternalDataMode.Always });
        return model;
    }
}

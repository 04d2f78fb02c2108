using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Training;

/// <summary>
/// The passes every graph built from the source model goes through (training, eval, ORT format), in one place so
/// that all of them see the same parameters, LoRA branches and prediction.
/// </summary>
internal static class ForwardPreparation
{
    /// <summary>Raises old opsets (scatter-add needs 16), fixes shapes, and adds LoRA branches (with Dropout only when training).</summary>
    public static LoraRewrite.Result? Apply(Model model, SpecializationOptions shapes, LoraOptions? lora, bool training)
    {
        if (model.DefaultOpset < OpsetUpgrade.DefaultTarget) new OpsetUpgrade().Run(model);
        new Specialization(shapes).Run(model);
        return lora is null ? null : LoraRewrite.Apply(model, lora, training);
    }

    /// <summary>The output the loss reads: <paramref name="name"/>, or the model's first output.</summary>
    public static Value Prediction(Graph graph, string? name) => name is null
        ? graph.Outputs.FirstOrDefault() ?? throw new OrtTuneException("The model has no output to train on.")
        : graph.Outputs.FirstOrDefault(o => o.Name == name)
          ?? throw new OrtTuneException($"The model has no output '{name}'; outputs: {string.Join(", ", graph.Outputs.Select(o => o.Name))}.");
}

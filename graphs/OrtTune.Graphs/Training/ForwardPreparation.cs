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
    /// <summary>
    /// Raises old opsets (scatter-add needs 16), fixes shapes, shrinks the input embedding (PEMA) and adds LoRA
    /// branches (with Dropout only when training).
    /// </summary>
    public static Result Apply(Model model, SpecializationOptions shapes, LoraOptions? lora, bool training,
        PemaOptions? vocabulary = null)
    {
        if (model.DefaultOpset < OpsetUpgrade.DefaultTarget) new OpsetUpgrade().Run(model);
        new Specialization(shapes).Run(model);
        var pema = vocabulary is null ? null : PemaRewrite.Apply(model, vocabulary);
        return new Result(lora is null ? null : LoraRewrite.Apply(model, lora, training), pema);
    }

    /// <summary>What the rewrites did (null where a rewrite was not asked for).</summary>
    public sealed record Result(LoraRewrite.Result? Lora, PemaRewrite.Result? Vocabulary);

    /// <summary>The output the loss reads: <paramref name="name"/>, or the model's first output.</summary>
    public static Value Prediction(Graph graph, string? name) => name is null
        ? graph.Outputs.FirstOrDefault() ?? throw new OrtTuneException("The model has no output to train on.")
        : graph.Outputs.FirstOrDefault(o => o.Name == name)
          ?? throw new OrtTuneException($"The model has no output '{name}'; outputs: {string.Join(", ", graph.Outputs.Select(o => o.Name))}.");
}

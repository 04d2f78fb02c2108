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
    /// Raises old opsets (scatter-add needs 16), fixes shapes, replaces the output layer by a classification head,
    /// shrinks the input embedding (PEMA; after the head, so an LM head no longer ties it) and adds LoRA branches (with
    /// Dropout only when training).
    /// </summary>
    public static Result Apply(Model model, TrainingGraphOptions options, bool training)
    {
        if (model.DefaultOpset < OpsetUpgrade.DefaultTarget) new OpsetUpgrade().Run(model);
        new Specialization(options.Shapes).Run(model);
        var head = options.Head is null ? null : ClassificationHead.Apply(model, options.Head);
        var pema = options.Vocabulary is null ? null : PemaRewrite.Apply(model, options.Vocabulary);
        var lora = options.Lora is null ? null : LoraRewrite.Apply(model, options.Lora, training);
        return new Result(lora, pema, head);
    }

    /// <summary>What the rewrites did (null where a rewrite was not asked for).</summary>
    public sealed record Result(LoraRewrite.Result? Lora, PemaRewrite.Result? Vocabulary, ClassificationHead.Result? Head);

    /// <summary>The output the loss reads: <paramref name="name"/>, or the model's first output.</summary>
    public static Value Prediction(Graph graph, string? name) => name is null
        ? graph.Outputs.FirstOrDefault() ?? throw new OrtTuneException("The model has no output to train on.")
        : graph.Outputs.FirstOrDefault(o => o.Name == name)
          ?? throw new OrtTuneException($"The model has no output '{name}'; outputs: {string.Join(", ", graph.Outputs.Select(o => o.Name))}.");
}

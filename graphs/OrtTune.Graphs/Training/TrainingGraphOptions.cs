using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Training;

/// <summary>How <see cref="TrainingGraphBuilder"/> turns a forward model into a training step graph.</summary>
public sealed record TrainingGraphOptions
{
    /// <summary>Batch and sequence sizes (and named dims) the training graph is built for. Required.</summary>
    public required SpecializationOptions Shapes { get; init; }

    /// <summary>The loss appended to the prediction. Required.</summary>
    public required LossOptions Loss { get; init; }

    /// <summary>Name of the model output the loss reads. Default: the model's first output.</summary>
    public string? Prediction { get; init; }

    /// <summary>
    /// Name of a model output that already is the scalar loss, as in ONNX Runtime training artifacts' eval models (see
    /// Import.OrtArtifactImporter). When set, <see cref="Loss"/> is not appended: the model's own inputs carry the labels.
    /// Default null (append <see cref="Loss"/>).
    /// </summary>
    public string? ModelLoss { get; init; }

    /// <summary>Which parameters train. Default: all. Not used when <see cref="Lora"/> is set.</summary>
    public ParameterSelection Parameters { get; init; } = new();

    /// <summary>When set, LoRA branches are added after specialisation and only their parameters (plus, if asked, the targeted biases) train. Default null.</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>When set, a new sequence-classification head replaces the model's output layer (and always trains). Default null.</summary>
    public ClassificationHeadOptions? Head { get; init; }

    /// <summary>When set, the input embedding keeps only these token ids' rows (PEMA). Default null.</summary>
    public PemaOptions? Vocabulary { get; init; }

    /// <summary>
    /// When set, TokenTune splits the forward into a full no-grad branch and a grad branch over the selected tokens
    /// (after LoRA, so it combines with LoRA and freezing). Default null (off).
    /// </summary>
    public TokenTuneOptions? TokenTune { get; init; }

    public AutodiffOptions Autodiff { get; init; } = new();

    /// <summary>
    /// Stores frozen weights that the model reads through a Transpose in that layout (<see cref="Passes.WeightTransposeFolding"/>).
    /// Default true. The ORT-format writer turns it off: there frozen weights are checkpoint parameters that the
    /// training and the eval graph both take as inputs in the source layout.
    /// </summary>
    public bool FoldWeightTransposes { get; init; } = true;

    /// <summary>
    /// When set, the frozen weight matrices and embedding tables are held in int8 with per-channel scales
    /// (<see cref="Passes.FrozenWeightQuantization"/>): about a quarter of their float memory, for a small change in
    /// the forward. Default null (off). The ORT format does not support it (its frozen weights are checkpoint parameters).
    /// </summary>
    public FrozenWeightQuantizationOptions? QuantizeFrozen { get; init; }

    /// <summary>Suffix of gradient output names, after the parameter name. Default "_grad".</summary>
    public string GradientSuffix { get; init; } = "_grad";
}

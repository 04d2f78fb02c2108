using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;

namespace OrtTune.Graphs.Import;

/// <summary>How <see cref="OrtArtifactImporter"/> turns an ONNX Runtime training artifact set into portable artifacts.</summary>
public sealed record OrtImportOptions
{
    /// <summary>
    /// Sizes of the eval model's dynamic dimensions (usually the batch). Default: none fixed, which works only for a
    /// model whose inputs are already static; ORT artifacts usually have a dynamic "batch_size".
    /// </summary>
    public SpecializationOptions Shapes { get; init; } = new();

    /// <summary>
    /// The optimizer. Default null: the optimizer model's own settings (AdamWOptimizer alpha/beta/epsilon/weight_decay →
    /// β1/β2/ε/weight decay, adam_mode 1 → the Hugging Face form; SGDOptimizerV2 → plain SGD; InplaceClipGradNorm
    /// max_norm → gradient clipping), or, without an optimizer model, AdamW with onnxblock's defaults (β 0.9/0.999,
    /// ε 1e-6, no weight decay, Hugging Face form).
    /// </summary>
    public OptimizerOptions? Optimizer { get; init; }

    /// <summary>
    /// Starting learning rate recorded in the manifest. Default 1e-3: the rate ONNX Runtime's training runtime uses
    /// unless told otherwise (it ignores the checkpoint's initial_learning_rate).
    /// </summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Run the eval model's Dropout nodes in training mode in the training graph, as ORT's training model does (the
    /// eval model has them switched off). Default true. False gives a deterministic training step (used to compare
    /// losses with the ORT runtime with dropout disabled there too).
    /// </summary>
    public bool TrainingDropout { get; init; } = true;

    /// <summary>Checkpoint file name inside the artifact directory. Default "checkpoint" (onnxblock's name).</summary>
    public string CheckpointFile { get; init; } = "checkpoint";

    /// <summary>Bring the checkpoint's optimizer state (group0: step, momentum0/momentum1) over when it has one. Default true.</summary>
    public bool CarryOptimizerState { get; init; } = true;
}

using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;

namespace OrtTune.Graphs.Training;

/// <summary>What `orttune prepare` builds: shapes, loss, trainable parameters and optimizer.</summary>
public sealed record ArtifactOptions
{
    /// <summary>Batch and sequence sizes the artifacts are built for. Required.</summary>
    public required SpecializationOptions Shapes { get; init; }

    /// <summary>The loss. Required.</summary>
    public required LossOptions Loss { get; init; }

    /// <summary>Which parameters train. Default: all. Not used when <see cref="Lora"/> is set.</summary>
    public ParameterSelection Parameters { get; init; } = new();

    /// <summary>LoRA adapters instead of full fine-tuning; recorded in the manifest as Methods["lora"]. Default null (off).</summary>
    public LoraOptions? Lora { get; init; }

    /// <summary>A new classification head in place of the model's output layer; recorded as Methods["head"]. Default null (off).</summary>
    public ClassificationHeadOptions? Head { get; init; }

    /// <summary>PEMA: keep only the input-embedding rows of these token ids; recorded in the manifest. Default null (off).</summary>
    public PemaOptions? Vocabulary { get; init; }

    /// <summary>TokenTune token selection in the training graph; recorded in the manifest as Methods["tokentune"]. Default null (off).</summary>
    public TokenTuneOptions? TokenTune { get; init; }

    /// <summary>Frozen weights held in int8 in both graphs (<see cref="TrainingGraphOptions.QuantizeFrozen"/>); recorded in the manifest. Default null (off).</summary>
    public FrozenWeightQuantizationOptions? QuantizeFrozen { get; init; }

    /// <summary>The optimizer graph: <see cref="AdamWOptions"/> (default) or <see cref="SgdOptions"/>.</summary>
    public OptimizerOptions Optimizer { get; init; } = new AdamWOptions();

    /// <summary>Learning rate recorded in the manifest and checkpoint as the run's starting value. Default 5e-5.</summary>
    public double LearningRate { get; init; } = 5e-5;

    /// <summary>Name of the model output the loss reads. Default: the first output.</summary>
    public string? Prediction { get; init; }

    /// <summary>
    /// Name of a model output that already is the loss (an imported ORT eval model's); <see cref="Loss"/> is then not
    /// appended and the manifest records the loss kind "ModelOutput". Default null.
    /// </summary>
    public string? ModelLoss { get; init; }

    /// <summary>The training-graph settings these artifacts imply; every artifact writer builds through this one mapping.</summary>
    public TrainingGraphOptions ToTrainingGraphOptions() => new()
    {
        Shapes = Shapes,
        Loss = Loss,
        Parameters = Parameters,
        Prediction = Prediction,
        ModelLoss = ModelLoss,
        Lora = Lora,
        Vocabulary = Vocabulary,
        Head = Head,
        TokenTune = TokenTune,
        QuantizeFrozen = QuantizeFrozen,
    };
}

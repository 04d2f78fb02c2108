namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// What <see cref="OrtArtifactWriter"/> wrote: the four files of an ONNX Runtime training artifact directory and the
/// names a caller of the runtime needs.
/// </summary>
public sealed record OrtArtifactSet
{
    public required string Directory { get; init; }
    public string TrainingModelPath => Path.Combine(Directory, OrtFormatNames.TrainingModelFile);
    public string EvalModelPath => Path.Combine(Directory, OrtFormatNames.EvalModelFile);
    public string OptimizerModelPath => Path.Combine(Directory, OrtFormatNames.OptimizerModelFile);
    public string CheckpointPath => Path.Combine(Directory, OrtFormatNames.CheckpointFile);

    /// <summary>The inputs TrainStep takes (data inputs, then labels), in the order the runtime expects them.</summary>
    public required IReadOnlyList<string> TrainingInputs { get; init; }

    /// <summary>The inputs EvalStep takes.</summary>
    public required IReadOnlyList<string> EvalInputs { get; init; }

    /// <summary>Outputs of both TrainStep and EvalStep: the loss, then the prediction.</summary>
    public required string LossName { get; init; }
    public required string PredictionName { get; init; }

    /// <summary>
    /// Trainable parameters in training-graph input order: the order of the runtime's flat parameter buffer
    /// (CopyParametersToBuffer / getContiguousParameters with trainable only).
    /// </summary>
    public required IReadOnlyList<OrtParameter> Trainable { get; init; }

    /// <summary>Frozen parameters (checkpoint frozen_params, graph inputs after the trainable ones), in graph order.</summary>
    public required IReadOnlyList<OrtParameter> Frozen { get; init; }

    /// <summary>"adamw" or "sgd".</summary>
    public required string Optimizer { get; init; }
}

/// <summary>A parameter as the runtime holds it: name, element type (ONNX name) and shape.</summary>
public sealed record OrtParameter(string Name, string ElemType, IReadOnlyList<long> Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

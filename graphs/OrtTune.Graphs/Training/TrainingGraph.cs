using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Training;

/// <summary>
/// A forward + loss + backward graph. Inputs: the model's data inputs, the labels, then the trainable parameters
/// (fed by the runner). Outputs: the loss first, then one gradient per trainable parameter, then the prediction.
/// </summary>
public sealed class TrainingGraph
{
    public required Model Model { get; init; }
    public required string LossName { get; init; }
    public required string PredictionName { get; init; }

    /// <summary>Inputs the data pipeline feeds (token ids, masks, labels), in graph order.</summary>
    public required IReadOnlyList<string> DataInputs { get; init; }

    /// <summary>Trainable parameter names, in graph-input order, with their initial values.</summary>
    public required IReadOnlyList<string> Trainable { get; init; }
    public required IReadOnlyDictionary<string, Tensor> InitialParameters { get; init; }

    /// <summary>Parameters that stay constant (they remain initializers of the graph).</summary>
    public required IReadOnlyList<string> Frozen { get; init; }

    /// <summary>Selection slots per example (k) when the graph was built with TokenTune; null otherwise.</summary>
    public int? TokenTuneCount { get; init; }

    /// <summary>True when TokenTune's selection keeps the first and last token (<see cref="TrainingGraphBuilder.DecoderRule"/>).</summary>
    public bool TokenTuneDecoderRule { get; init; }

    /// <summary>Gradient output name per trainable parameter.</summary>
    public required IReadOnlyDictionary<string, string> GradientNames { get; init; }

    /// <summary>What PEMA did to the input embedding, when it was asked for.</summary>
    public Rewrites.PemaRewrite.Result? Vocabulary { get; init; }
}

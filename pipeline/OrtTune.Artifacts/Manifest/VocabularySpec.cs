namespace OrtTune.Artifacts.Manifest;

/// <summary>
/// PEMA (partial embedding matrix adaptation) as recorded in manifest.json: the input embedding
/// <see cref="Embedding"/> holds only the rows of <see cref="UsedIds"/>, in that order, so the data pipeline feeds
/// compact ids (an original id's index in <see cref="UsedIds"/>) through <see cref="Input"/>. Labels keep original ids.
/// </summary>
public sealed record VocabularySpec
{
    /// <summary>The embedding parameter, [UsedIds.Length, Dim] in the artifacts.</summary>
    public required string Embedding { get; init; }

    /// <summary>The graph input whose token ids are remapped. Default "input_ids".</summary>
    public string Input { get; init; } = "input_ids";

    /// <summary>Rows of the model's full embedding (|V|).</summary>
    public required long FullSize { get; init; }

    /// <summary>Width of an embedding row.</summary>
    public required long Dim { get; init; }

    /// <summary>The original ids the embedding keeps, ascending; compact id i stands for UsedIds[i].</summary>
    public required long[] UsedIds { get; init; }

    /// <summary>True when the same matrix also feeds the output head (tied embeddings); see docs/architecture.md.</summary>
    public bool Tied { get; init; }

    /// <summary>Checkpoint file (beside the manifest) holding the full pretrained matrix, for export. Default "pema_embedding".</summary>
    public string OriginalFile { get; init; } = "pema_embedding";
}

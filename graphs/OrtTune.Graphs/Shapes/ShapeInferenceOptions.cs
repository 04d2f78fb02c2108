namespace OrtTune.Graphs.Shapes;

/// <summary>Knobs of <see cref="ShapeInference"/>; the defaults suit transformer exports.</summary>
public sealed record ShapeInferenceOptions
{
    /// <summary>
    /// Float initializers with at most this many elements count as known values (scales, epsilons, small tables).
    /// Larger float initializers are model parameters: they will be trained, so their current values must never be
    /// folded into the graph. Integer and bool initializers are always known.
    /// </summary>
    public long MaxFoldElements { get; init; } = 64;

    /// <summary>A node with known inputs gets known outputs only if they have at most this many elements.</summary>
    public long MaxPropagatedElements { get; init; } = 1 << 16;

    /// <summary>
    /// When true, an operator without a shape rule is recorded in <see cref="InferenceResult.UnsupportedNodes"/> and
    /// its outputs keep whatever type they had; when false (the default) it raises UnsupportedOperatorException.
    /// </summary>
    public bool UnknownOpsAsUnknownShapes { get; init; }

    /// <summary>
    /// When true (the default), types already on node outputs (value_info from the file, or an earlier run) are merged
    /// with the inferred ones and must agree. Set false after changing input shapes so earlier results are replaced.
    /// </summary>
    public bool KeepDeclaredTypes { get; init; } = true;

    /// <summary>
    /// When true (the default), a Slice from 0 to a named size (cos_cache[:seq], a causal-mask buffer cut to the
    /// sequence) is taken to stay within the axis, so the result has that named size; ONNX would clamp it to the
    /// axis length, but every export we know of fails at runtime anyway when the name exceeds it. When false such
    /// dims are unknown.
    /// </summary>
    public bool AssumeSymbolicSliceEndsInRange { get; init; } = true;
}

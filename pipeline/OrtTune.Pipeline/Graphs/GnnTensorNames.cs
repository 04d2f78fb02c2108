namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// Input/output names of the GNN graphs OrtTune builds (the compiler's OrtTune.Graphs.Gnn.GnnNames spells the
/// same strings; the device side carries no compiler, so the contract is repeated here).
/// </summary>
public static class GnnTensorNames
{
    public const string Features = "features";
    public const string FeatureRow = "feature_row";
    public const string FeatureColumn = "feature_column";
    public const string FeatureValue = "feature_value";
    public const string EdgeSource = "edge_source";
    public const string EdgeTarget = "edge_target";
    public const string Labels = "labels";
    public const string Target = "target";

    /// <summary>Training nodes' ids [T] (FF graphs).</summary>
    public const string TrainNodes = "train_nodes";

    /// <summary>Input <paramref name="name"/> of negative graph k (FF graphs).</summary>
    public static string Negative(string name, int k) => $"{name}_neg{k}";
    public const string Logits = "logits";
    public const string Probabilities = "probabilities";
    public const string Hidden = "hidden";
    public const string Goodness = "goodness";
    public const string TopDown = "top_down";

    /// <summary>FF-LA: label rows appended to the first layer's features [N, C] (float).</summary>
    public const string AppendedLabels = "appended_labels";

    /// <summary>Scored node pairs of link prediction graphs [pairs] (int64).</summary>
    public const string PairSource = "pair_source";
    public const string PairTarget = "pair_target";

    /// <summary>Inference graph next to each artifacts directory.</summary>
    public const string InferenceFile = "inference.onnx";

    /// <summary>Label of nodes the loss skips (not training nodes).</summary>
    public const long IgnoredLabel = -100;
}

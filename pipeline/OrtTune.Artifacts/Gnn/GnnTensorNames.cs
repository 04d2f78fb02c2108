namespace OrtTune.Artifacts.Gnn;

/// <summary>
/// Input and output names of the GNN graphs and files: the contract between the graph builder (OrtTune.Graphs.Gnn)
/// and the runner (OrtTune.Pipeline.Graphs), which both read these.
/// </summary>
public static class GnnTensorNames
{
    /// <summary>Node features (or the previous layer's output) [nodes, features], float.</summary>
    public const string Features = "features";

    /// <summary>Sparse node features of the first layer: row, column and value of every non-zero [nnz].</summary>
    public const string FeatureRow = "feature_row";
    public const string FeatureColumn = "feature_column";
    public const string FeatureValue = "feature_value";

    /// <summary>Edge sources and targets [edges], int64; messages flow source → target.</summary>
    public const string EdgeSource = "edge_source";
    public const string EdgeTarget = "edge_target";

    /// <summary>Per-node class [real nodes], int64; <see cref="IgnoredLabel"/> for nodes that are not training nodes (the loss ignores them).</summary>
    public const string Labels = "labels";

    /// <summary>Label of nodes the loss skips (not training nodes).</summary>
    public const long IgnoredLabel = -100;

    /// <summary>Class scores of the real nodes [real nodes, classes] (the value the training loss reads).</summary>
    public const string Logits = "logits";

    /// <summary>Class probabilities of the real nodes [real nodes, classes] (inference models).</summary>
    public const string Probabilities = "probabilities";

    /// <summary>A forward layer's output for every node [nodes, hidden]: the next layer's input (inference models).</summary>
    public const string Hidden = "hidden";

    /// <summary>Top-to-Loss: sum of the normalised outputs of the layers above [N + C, hidden].</summary>
    public const string TopDown = "top_down";

    /// <summary>FF-LA: the label rows appended to the first layer's features [real nodes, classes], float (one-hot or uniform 1/C).</summary>
    public const string AppendedLabels = "appended_labels";

    /// <summary>FF goodness per real node [real nodes] (FF inference models).</summary>
    public const string Goodness = "goodness";

    /// <summary>FF target per scored row, 1 for positive and 0 for negative (FF training models).</summary>
    public const string Target = "target";

    /// <summary>The training nodes' ids [T], int64 (FF graphs).</summary>
    public const string TrainNodes = "train_nodes";

    /// <summary>Input <paramref name="name"/> of negative graph k ("features_neg0", "edge_source_neg0", ...; FF graphs).</summary>
    public static string Negative(string name, int k) => $"{name}_neg{k}";

    /// <summary>The scored node pairs of link-prediction graphs [pairs], int64.</summary>
    public const string PairSource = "pair_source";
    public const string PairTarget = "pair_target";

    /// <summary>Inference graph beside each GNN artifacts directory's training graphs.</summary>
    public const string InferenceFile = "inference.onnx";
}

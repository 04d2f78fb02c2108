namespace OrtTune.Graphs.Gnn;

/// <summary>The sizes a GNN graph is built for (ONNX graphs here have static shapes) and its layer settings.</summary>
public sealed record GnnGraphSpec
{
    /// <summary>Nodes of the data graph (without virtual class nodes). Required.</summary>
    public required long Nodes { get; init; }

    /// <summary>Number of classes. Required.</summary>
    public required long Classes { get; init; }

    /// <summary>Width of the node features of the first layer. Required.</summary>
    public required long Features { get; init; }

    /// <summary>Edges fed to the graph (both directions counted; virtual-node edges included where used). Required.</summary>
    public required long Edges { get; init; }

    /// <summary>
    /// Non-zeros of the node features when the first layer reads them sparse (inputs feature_row, feature_column,
    /// feature_value [nnz]); 0 (the default) for a dense [Nodes, Features] input.
    /// </summary>
    public long FeatureNonZeros { get; init; }

    /// <summary>The convolution. Default GCN.</summary>
    public GnnConv Conv { get; init; } = GnnConv.Gcn;

    /// <summary>Width of every hidden layer. Default 128.</summary>
    public long Hidden { get; init; } = 128;

    /// <summary>Seed of the initial parameters (and of the SF class-node features). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Default-domain opset of the built graphs (ScatterND "add" needs 16). Default 18.</summary>
    public long Opset { get; init; } = 18;
}

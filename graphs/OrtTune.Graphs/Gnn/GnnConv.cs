namespace OrtTune.Graphs.Gnn;

/// <summary>The graph convolutions a GNN layer can use (as PyG's GCNConv, SAGEConv(aggr="mean"), GATConv(heads=4)).</summary>
public enum GnnConv
{
    /// <summary>Self-loops plus symmetric degree normalisation: D^-1/2 (A + I) D^-1/2 X W + b.</summary>
    Gcn,

    /// <summary>GraphSAGE with mean aggregation: mean over in-neighbours of X W_l, plus b, plus X W_r.</summary>
    Sage,

    /// <summary>Graph attention, 4 heads of hidden/4 channels concatenated, self-loops added.</summary>
    Gat,
}

namespace OrtTune.Pipeline.Graphs;

/// <summary>How a GNN is trained (ForwardGNN's methods and the backprop baseline).</summary>
public enum GnnMethod
{
    /// <summary>End-to-end backpropagation through all layers with a softmax classifier (the baseline).</summary>
    Backprop,

    /// <summary>Single-Forward: per-layer training against virtual class nodes, one forward per step.</summary>
    SingleForward,

    /// <summary>Forward-forward with the label appended to the features (positive / negative graphs).</summary>
    ForwardForwardLabelAppending,

    /// <summary>Forward-forward with virtual class nodes (positive / negative class edges).</summary>
    ForwardForwardVirtualNodes,

    /// <summary>SF with top-down signals fed into each layer's input.</summary>
    SingleForwardTopToInput,

    /// <summary>SF with top-down signals averaged into each layer's loss.</summary>
    SingleForwardTopToLoss,
}

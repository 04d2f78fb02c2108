using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Pipeline.Graphs;

public sealed partial class GnnNodeTrainer
{
    /// <summary>
    /// SF with top-down signals to the input (Top-to-Input): all layers train in every time step. Layer j reads the
    /// previous step's outputs of layer j−1 (below) and layer j+1 (above); above the top layer sits the label matrix
    /// (one-hot for training and class nodes, uniform 1/C otherwise). States start from one bottom-up pass (the
    /// states above count as 0 there). Validation and test run a fresh bottom-up pass with the given parameters, then
    /// <see cref="GnnTrainerOptions.TestTimeSteps"/> steps, summing every layer's class probabilities of every step;
    /// early stopping keeps the best whole network. One result (all layers).
    /// </summary>
    public GnnLayerResult TrainSingleForwardTopToInput(GraphDataset graph, NodeSplit split, IReadOnlyList<string> layerDirectories, int hidden,
        IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        int layers = layerDirectories.Count, n = graph.NodeCount, c = graph.ClassCount;
        long rows = n + c;
        var edges = VirtualClassNodes.AugmentedEdges(graph, split);
        var labelMatrix = new float[rows * c];
        Array.Fill(labelMatrix, 1f / c);
        foreach (var (node, cls) in split.Train.Select(v => (v, graph.Labels[v])).Concat(Enumerable.Range(0, c).Select(k => (n + k, k))))
        {
            Array.Clear(labelMatrix, node * c, c);
            labelMatrix[node * c + cls] = 1;
        }
        var noState = new float[rows * hidden];
        return TrainTimeSteps(split, layerDirectories, TrainingLabels(graph, split), inferences =>
        {
            Dictionary<string, (Array Data, long[] Shape)> LayerInputs(int j, float[]?[] states)
            {
                var x = states[j];
                var inputs = Inputs(graph, x ?? graph.Features, x is null ? [n, graph.FeatureCount] : [rows, hidden], edges);
                inputs[GnnTensorNames.TopDown] = j + 1 < layers ? (states[j + 2] ?? noState, [rows, hidden]) : (labelMatrix, [rows, c]);
                return inputs;
            }
            float[] State(int j, float[]?[] states, IReadOnlyList<NamedTensor> p) => inferences[j].Run(LayerInputs(j, states), p, GnnTensorNames.Hidden)[0];
            double Evaluate(float[]?[] states, IReadOnlyList<IReadOnlyList<NamedTensor>> p, IReadOnlyList<int> nodes)
            {
                var summed = new float[n * c];
                for (int t = 0; t < _options.TestTimeSteps; t++)
                {
                    var next = (float[]?[])states.Clone();
                    for (int j = 0; j < layers; j++)
                    {
                        var outputs = inferences[j].Run(LayerInputs(j, states), p[j], GnnTensorNames.Hidden, GnnTensorNames.Probabilities);
                        next[j + 1] = outputs[0];
                        for (int i = 0; i < summed.Length; i++) summed[i] += outputs[1][i];
                    }
                    states = next;
                }
                return Accuracy(summed, graph, nodes);
            }
            return new TimeStepModel(LayerInputs, State, Evaluate);
        }, progress, cancellation);
    }
}

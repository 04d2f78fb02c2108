using System.Diagnostics;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Diagnostics;
using OrtTune.Pipeline.Training;
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
        var labels = TrainingLabels(graph, split);
        var labelMatrix = new float[rows * c];
        Array.Fill(labelMatrix, 1f / c);
        foreach (var (node, cls) in split.Train.Select(v => (v, graph.Labels[v])).Concat(Enumerable.Range(0, c).Select(k => (n + k, k))))
        {
            Array.Clear(labelMatrix, node * c, c);
            labelMatrix[node * c + cls] = 1;
        }
        var noState = new float[rows * hidden];
        long baseline = 0;
        if (_options.MeasureMemory)
        {
            PeakMemory.Reset();
            baseline = PeakMemory.CurrentBytes();
        }
        var clock = Stopwatch.StartNew();
        var sessions = layerDirectories.Select(d => SessionCheckpoints.Open(d, config: config)).ToList();
        var inferences = layerDirectories.Select(d => new GnnInference(d, config)).ToList();
        try
        {
            // states[0] is the data (null: the graph's features), states[j + 1] layer j's output.
            Dictionary<string, (Array Data, long[] Shape)> LayerInputs(int j, float[]?[] states)
            {
                var x = states[j];
                var inputs = Inputs(graph, x ?? graph.Features, x is null ? [n, graph.FeatureCount] : [rows, hidden], edges);
                inputs[GnnTensorNames.TopDown] = j + 1 < layers ? (states[j + 2] ?? noState, [rows, hidden]) : (labelMatrix, [rows, c]);
                return inputs;
            }
            float[][] Step(float[]?[] states, IReadOnlyList<IReadOnlyList<NamedTensor>> p, int j, params string[] outputs) =>
                inferences[j].Run(LayerInputs(j, states), p[j], outputs);
            float[]?[] BottomUp(IReadOnlyList<IReadOnlyList<NamedTensor>> p)
            {
                var states = new float[]?[layers + 1];
                for (int j = 0; j < layers; j++) states[j + 1] = Step(states, p, j, GnnTensorNames.Hidden)[0];
                return states;
            }
            double Evaluate(IReadOnlyList<IReadOnlyList<NamedTensor>> p, IReadOnlyList<int> nodes)
            {
                var states = BottomUp(p);
                var summed = new float[n * c];
                for (int t = 0; t < _options.TestTimeSteps; t++)
                {
                    var next = (float[]?[])states.Clone();
                    for (int j = 0; j < layers; j++)
                    {
                        var outputs = Step(states, p, j, GnnTensorNames.Hidden, GnnTensorNames.Probabilities);
                        next[j + 1] = outputs[0];
                        for (int i = 0; i < summed.Length; i++) summed[i] += outputs[1][i];
                    }
                    states = next;
                }
                return Accuracy(summed, graph, nodes);
            }
            List<IReadOnlyList<NamedTensor>> Current() => sessions.Select(s => (IReadOnlyList<NamedTensor>)s.Parameters()).ToList();

            var current = BottomUp(Current());
            List<IReadOnlyList<NamedTensor>>? best = null;
            double bestValidation = double.NaN;
            int bestStep = -1, stale = 0, step = 0;
            for (; step < _options.Epochs; step++)
            {
                cancellation.ThrowIfCancellationRequested();
                var parameters = Current();
                var next = (float[]?[])current.Clone();
                float loss = 0;
                for (int j = 0; j < layers; j++)
                {
                    next[j + 1] = Step(current, parameters, j, GnnTensorNames.Hidden)[0]; // this step's output, before the update
                    loss += sessions[j].TrainStep(Batch(LayerInputs(j, current).With(GnnTensorNames.Labels, labels), sessions[j].Manifest.Inputs.Select(i => i.Name)));
                    sessions[j].OptimizerStep(_options.LearningRate);
                }
                current = next;
                if (_options.Patience >= 0 && (step + 1) % _options.ValidateEvery == 0)
                {
                    var updated = Current();
                    double validation = Evaluate(updated, split.Validation);
                    if (best is null || validation > bestValidation) (best, bestValidation, bestStep, stale) = (updated, validation, step, 0);
                    else if (++stale >= _options.Patience) { step++; break; }
                }
                progress?.Report(new GnnProgress(split.Index, 0, 1, step + 1, _options.Epochs, loss, bestValidation));
            }
            best ??= Current();
            if (double.IsNaN(bestValidation)) bestValidation = Evaluate(best, split.Validation);
            double test = Evaluate(best, split.Test);
            long peak = _options.MeasureMemory ? PeakMemory.PeakBytes() : 0;
            return new GnnLayerResult(layers, test, bestValidation, step, bestStep, clock.Elapsed.TotalSeconds, peak, baseline);
        }
        finally
        {
            foreach (var s in sessions) s.Dispose();
            foreach (var i in inferences) i.Dispose();
        }
    }
}

using System.Diagnostics;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Gnn;
using OrtTune.Pipeline.Diagnostics;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Graphs;

public sealed partial class GnnNodeTrainer
{
    /// <summary>
    /// What a top-down SF variant defines over the layers' inference sessions: each layer's inputs given the states
    /// (states[0] the data, null for the graph's features; states[j + 1] layer j's output), the state a layer passes
    /// on, and the accuracy of a whole network's parameters on some nodes, given the states of a bottom-up pass with them.
    /// </summary>
    private sealed record TimeStepModel(
        Func<int, float[]?[], Dictionary<string, (Array Data, long[] Shape)>> LayerInputs,
        Func<int, float[]?[], IReadOnlyList<NamedTensor>, float[]> State,
        Func<float[]?[], IReadOnlyList<IReadOnlyList<NamedTensor>>, IReadOnlyList<int>, double> Evaluate);

    /// <summary>
    /// The loop both top-down variants share: states from one bottom-up pass, then in every time step each layer
    /// trains once on the previous step's states (its new state computed before its update), validation every few
    /// steps on the whole network, early stopping that keeps the best one, and the test accuracy of that one.
    /// </summary>
    private GnnLayerResult TrainTimeSteps(NodeSplit split, IReadOnlyList<string> layerDirectories, long[] labels,
        Func<IReadOnlyList<GnnInference>, TimeStepModel> define, IProgress<GnnProgress>? progress, CancellationToken cancellation)
    {
        int layers = layerDirectories.Count;
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
            var model = define(inferences);
            double Evaluate(IReadOnlyList<IReadOnlyList<NamedTensor>> p, IReadOnlyList<int> nodes) => model.Evaluate(BottomUpStates(layers, model, p), p, nodes);
            List<IReadOnlyList<NamedTensor>> Current() => sessions.Select(s => (IReadOnlyList<NamedTensor>)s.Parameters()).ToList();
            var current = BottomUpStates(layers, model, Current());
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
                    next[j + 1] = model.State(j, current, parameters[j]); // this step's output, before the update
                    loss += sessions[j].TrainStep(Batch(model.LayerInputs(j, current).With(GnnTensorNames.Labels, labels), sessions[j].Manifest.Inputs.Select(i => i.Name)));
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

    /// <summary>One bottom-up pass: each layer's state from the data and the states below (those above count as absent).</summary>
    private static float[]?[] BottomUpStates(int layers, TimeStepModel model, IReadOnlyList<IReadOnlyList<NamedTensor>> p)
    {
        var states = new float[]?[layers + 1];
        for (int j = 0; j < layers; j++) states[j + 1] = model.State(j, states, p[j]);
        return states;
    }
}

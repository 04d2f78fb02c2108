using System.Diagnostics;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Diagnostics;
using OrtTune.Pipeline.Numerics;
using OrtTune.Pipeline.Runtime;
using OrtTune.Pipeline.Training;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// Node classification with prepared GNN artifacts (one directory per training unit, each with its inference.onnx):
/// full-batch steps on the training nodes, validation every few epochs, early stopping that keeps the best
/// validation state, as the ForwardGNN protocol. Forward methods train their layers one after another; each layer's
/// input is the previous trained layer's output, computed once, so no gradient ever crosses layers.
/// </summary>
public sealed partial class GnnNodeTrainer(GnnTrainerOptions? options = null, SessionConfig? config = null)
{
    private readonly GnnTrainerOptions _options = options ?? new GnnTrainerOptions();

    /// <summary>The backprop baseline: one unit, the whole network; predicts with its softmax.</summary>
    public GnnLayerResult TrainBackprop(GraphDataset graph, NodeSplit split, string directory, int layers,
        IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        var edges = (graph.EdgeSource.Select(v => (long)v).ToArray(), graph.EdgeTarget.Select(v => (long)v).ToArray());
        var inputs = Inputs(graph, graph.Features, [graph.NodeCount, graph.FeatureCount], edges);
        using var inference = new GnnInference(directory, config);
        float[] Probabilities(IEnumerable<NamedTensor> p) => inference.Run(inputs, p, GnnTensorNames.Probabilities)[0];
        var unit = TrainUnit(directory, inputs.With(GnnTensorNames.Labels, TrainingLabels(graph, split)), p => Accuracy(Probabilities(p), graph, split.Validation),
            split.Index, 0, 1, progress, cancellation);
        return new GnnLayerResult(layers, Accuracy(Probabilities(unit.Best), graph, split.Test), unit.BestValidation, unit.Epochs, unit.BestEpoch,
            unit.Seconds, unit.PeakBytes, unit.BaselineBytes);
    }

    /// <summary>
    /// Single-Forward: layer l trains against the virtual class nodes on the output of layers 0..l−1; validation and
    /// prediction sum the softmax probabilities of all layers so far. One result per layer count.
    /// </summary>
    public IReadOnlyList<GnnLayerResult> TrainSingleForward(GraphDataset graph, NodeSplit split, IReadOnlyList<string> layerDirectories,
        IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        var edges = VirtualClassNodes.AugmentedEdges(graph, split);
        var labels = TrainingLabels(graph, split);
        var accumulated = new float[graph.NodeCount * graph.ClassCount];
        float[] x = graph.Features;
        long[] shape = [graph.NodeCount, graph.FeatureCount];
        var results = new List<GnnLayerResult>();
        for (int layer = 0; layer < layerDirectories.Count; layer++)
        {
            var inputs = Inputs(graph, x, shape, edges);
            using var inference = new GnnInference(layerDirectories[layer], config);
            float[] Summed(IEnumerable<NamedTensor> p)
            {
                var probabilities = inference.Run(inputs, p, GnnTensorNames.Probabilities)[0];
                for (int i = 0; i < probabilities.Length; i++) probabilities[i] += accumulated[i];
                return probabilities;
            }
            var unit = TrainUnit(layerDirectories[layer], inputs.With(GnnTensorNames.Labels, labels), p => Accuracy(Summed(p), graph, split.Validation),
                split.Index, layer, layerDirectories.Count, progress, cancellation);

            var outputs = inference.Run(inputs, unit.Best, GnnTensorNames.Hidden, GnnTensorNames.Probabilities);
            for (int i = 0; i < accumulated.Length; i++) accumulated[i] += outputs[1][i];
            results.Add(new GnnLayerResult(layer + 1, Accuracy(accumulated, graph, split.Test), unit.BestValidation, unit.Epochs, unit.BestEpoch,
                unit.Seconds, unit.PeakBytes, unit.BaselineBytes));
            x = outputs[0];
            shape = [graph.NodeCount + graph.ClassCount, x.Length / (graph.NodeCount + graph.ClassCount)];
        }
        return results;
    }

    /// <summary>
    /// Forward-forward with virtual class nodes: layer l trains on the positive graph (training nodes linked to their
    /// class node) and <paramref name="negatives"/> negative graphs (linked to a wrong class, drawn once per run);
    /// each graph's next-layer input is its own output. Prediction: for each class c, link the evaluated nodes to
    /// class node c (training nodes keep their own class), sum each node's goodness over the layers, take the best c.
    /// </summary>
    public IReadOnlyList<GnnLayerResult> TrainForwardForwardVirtualNodes(GraphDataset graph, NodeSplit split, IReadOnlyList<string> layerDirectories,
        int negatives, int seed, IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        int n = graph.NodeCount, c = graph.ClassCount;
        // Each training node's wrong classes in random order; graph k links the node to its k-th wrong class.
        var random = new Random(seed);
        var wrong = split.Train.ToDictionary(v => v, v => Enumerable.Range(0, c).Where(k => k != graph.Labels[v]).OrderBy(_ => random.Next()).ToArray());
        var training = new List<(long[], long[])> { VirtualClassNodes.AugmentedEdges(graph, split) };
        for (int k = 0; k < negatives; k++) training.Add(VirtualClassNodes.Edges(graph, split.Train, v => wrong[v][k]));

        // Evaluation graphs per class: validation (training nodes labelled) and test (training and validation nodes labelled).
        var known = split.Train.Concat(split.Validation).ToHashSet();
        List<(long[], long[])> EvalGraphs(IReadOnlyList<int> labelled, IReadOnlyList<int> evaluated)
        {
            var isEvaluated = evaluated.ToHashSet();
            return Enumerable.Range(0, c)
                .Select(cls => VirtualClassNodes.Edges(graph, [.. labelled, .. evaluated], v => isEvaluated.Contains(v) ? cls : graph.Labels[v])).ToList();
        }
        var validationGraphs = EvalGraphs(split.Train, split.Validation);
        var testGraphs = EvalGraphs([.. known.Order()], split.Test);

        var target = Enumerable.Repeat(1f, negatives * split.Train.Length).Concat(Enumerable.Repeat(0f, negatives * split.Train.Length)).ToArray();
        var trainNodes = split.Train.Select(v => (long)v).ToArray();
        float[]?[] trainingInputs = new float[]?[negatives + 1], validationInputs = new float[]?[c], testInputs = new float[]?[c];
        var validationScores = new float[n * c];
        var testScores = new float[n * c];
        var results = new List<GnnLayerResult>();
        long[] hiddenShape = [];
        for (int layer = 0; layer < layerDirectories.Count; layer++)
        {
            var dir = layerDirectories[layer];
            Dictionary<string, (Array Data, long[] Shape)> GraphInputs(float[]? x, (long[] Source, long[] Target) e) =>
                Inputs(graph, x ?? graph.Features, x is null ? [n, graph.FeatureCount] : hiddenShape, e);
            var inputs = GraphInputs(trainingInputs[0], training[0]);
            for (int k = 0; k < negatives; k++)
            {
                var negative = GraphInputs(trainingInputs[k + 1], training[k + 1]);
                inputs[GnnTensorNames.Negative(GnnTensorNames.Features, k)] = negative[GnnTensorNames.Features];
                inputs[GnnTensorNames.Negative(GnnTensorNames.EdgeSource, k)] = negative[GnnTensorNames.EdgeSource];
                inputs[GnnTensorNames.Negative(GnnTensorNames.EdgeTarget, k)] = negative[GnnTensorNames.EdgeTarget];
            }
            inputs[GnnTensorNames.TrainNodes] = (trainNodes, [trainNodes.Length]);
            inputs[GnnTensorNames.Target] = (target, [target.Length]);

            using var trainingInference = new GnnInference(dir, config);
            using var validationInference = new GnnInference(dir, config, GnnInference.FileFor(validationGraphs[0].Item1.Length));
            using var testInference = new GnnInference(dir, config, GnnInference.FileFor(testGraphs[0].Item1.Length));
            float[] Scores(GnnInference inference, List<(long[], long[])> graphs, float[]?[] x, float[] before, IEnumerable<NamedTensor> p, float[]?[]? hidden)
            {
                var scores = (float[])before.Clone();
                for (int cls = 0; cls < c; cls++)
                {
                    var outputs = inference.Run(GraphInputs(x[cls], graphs[cls]), p, GnnTensorNames.Goodness, GnnTensorNames.Hidden);
                    for (int v = 0; v < n; v++) scores[v * c + cls] += outputs[0][v];
                    if (hidden is not null) hidden[cls] = outputs[1];
                }
                return scores;
            }
            var unit = TrainUnit(dir, inputs, p => Accuracy(Scores(validationInference, validationGraphs, validationInputs, validationScores, p, null), graph, split.Validation),
                split.Index, layer, layerDirectories.Count, progress, cancellation);

            validationScores = Scores(validationInference, validationGraphs, validationInputs, validationScores, unit.Best, validationInputs);
            testScores = Scores(testInference, testGraphs, testInputs, testScores, unit.Best, testInputs);
            for (int g = 0; g <= negatives; g++)
                trainingInputs[g] = trainingInference.Run(GraphInputs(trainingInputs[g], training[g]), unit.Best, GnnTensorNames.Hidden)[0];
            hiddenShape = [n + c, trainingInputs[0]!.Length / (n + c)];
            results.Add(new GnnLayerResult(layer + 1, Accuracy(testScores, graph, split.Test), unit.BestValidation, unit.Epochs, unit.BestEpoch,
                unit.Seconds, unit.PeakBytes, unit.BaselineBytes));
        }
        return results;
    }

    /// <summary>
    /// SF with top-down signals to the loss (Top-to-Loss): all layers train in every time step. Layer j reads the
    /// previous step's normalised output of layer j−1 and scores the mean of its own output and the previous step's
    /// normalised outputs of all layers above. Validation runs a fresh bottom-up pass with the current parameters and
    /// sums the layers' class probabilities; early stopping keeps the best whole network. One result (all layers).
    /// </summary>
    public GnnLayerResult TrainSingleForwardTopToLoss(GraphDataset graph, NodeSplit split, IReadOnlyList<string> layerDirectories, int hidden,
        IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        int layers = layerDirectories.Count, n = graph.NodeCount, c = graph.ClassCount;
        long rows = n + c;
        var edges = VirtualClassNodes.AugmentedEdges(graph, split);
        return TrainTimeSteps(split, layerDirectories, TrainingLabels(graph, split), inferences =>
        {
            Dictionary<string, (Array Data, long[] Shape)> LayerInputs(int j, float[]?[] states)
            {
                var x = states[j];
                var inputs = Inputs(graph, x ?? graph.Features, x is null ? [n, graph.FeatureCount] : [rows, hidden], edges);
                if (j + 1 < layers)
                {
                    // Σ of the states of the layers above (states[j + 2 ..]); during a bottom-up pass they do not exist
                    // yet and count as 0 (the hidden output does not read them).
                    var sum = new float[rows * hidden];
                    for (int k = j + 2; k <= layers; k++)
                        if (states[k] is { } above)
                            for (int i = 0; i < sum.Length; i++) sum[i] += above[i];
                    inputs[GnnTensorNames.TopDown] = (sum, [rows, hidden]);
                }
                return inputs;
            }
            float[] State(int j, float[]?[] states, IReadOnlyList<NamedTensor> p) =>
                L2NormalizeRows(inferences[j].Run(LayerInputs(j, states), p, GnnTensorNames.Hidden)[0], (int)rows);
            double Evaluate(float[]?[] states, IReadOnlyList<IReadOnlyList<NamedTensor>> p, IReadOnlyList<int> nodes)
            {
                var summed = new float[n * c];
                for (int j = 0; j < layers; j++)
                {
                    var probabilities = inferences[j].Run(LayerInputs(j, states), p[j], GnnTensorNames.Probabilities)[0];
                    for (int i = 0; i < summed.Length; i++) summed[i] += probabilities[i];
                }
                return Accuracy(summed, graph, nodes);
            }
            return new TimeStepModel(LayerInputs, State, Evaluate);
        }, progress, cancellation);
    }

    /// <summary>Each row divided by its L2 norm + 1e-8 (the reference's LayerNormalization), for states.</summary>
    private static float[] L2NormalizeRows(float[] x, int rows)
    {
        int width = x.Length / rows;
        var y = new float[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int k = 0; k < width; k++) s += x[r * width + k] * (double)x[r * width + k];
            float scale = (float)(1 / (Math.Sqrt(s) + 1e-8));
            for (int k = 0; k < width; k++) y[r * width + k] = x[r * width + k] * scale;
        }
        return y;
    }

    /// <summary>
    /// Link prediction. Forward (ForwardGNN-CE, <paramref name="forward"/> true): one unit per layer on the previous
    /// layer's output, each scoring pairs by the dot product of its own output; a pair's score is the mean over the
    /// layers so far of the sigmoid of those dot products. Backprop: one unit, the last layer's dot products. Early
    /// stopping on validation ROC-AUC. Results carry ROC-AUC × 100 in the accuracy fields.
    /// </summary>
    public IReadOnlyList<GnnLayerResult> TrainLinks(GraphDataset graph, LinkSplit split, IReadOnlyList<string> unitDirectories, bool forward,
        IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        int n = graph.NodeCount;
        float[] x = graph.Features;
        long[] shape = [n, graph.FeatureCount];
        var validationSum = new float[split.ValidationTarget.Length];
        var testSum = new float[split.TestTarget.Length];
        var results = new List<GnnLayerResult>();
        float[] Sigmoids(float[] h, (long[] Source, long[] Target) pairs)
        {
            int width = h.Length / n;
            var scores = new float[pairs.Source.Length];
            for (int p = 0; p < scores.Length; p++)
            {
                double dot = 0;
                for (int k = 0; k < width; k++) dot += h[pairs.Source[p] * width + k] * h[pairs.Target[p] * width + k];
                scores[p] = (float)(1 / (1 + Math.Exp(-dot)));
            }
            return scores;
        }
        double Auc(float[] sum, float[] added, int layers, float[] target) =>
            100 * LinkSplit.RocAuc(sum.Select((s, i) => (s + added[i]) / layers).ToArray(), target);
        for (int unit = 0; unit < unitDirectories.Count; unit++)
        {
            var inputs = Inputs(graph, x, shape, split.MessageEdges);
            inputs[GnnTensorNames.PairSource] = (split.TrainPairs.Source, [split.TrainPairs.Source.Length]);
            inputs[GnnTensorNames.PairTarget] = (split.TrainPairs.Target, [split.TrainPairs.Target.Length]);
            inputs[GnnTensorNames.Target] = (split.TrainTarget, [split.TrainTarget.Length]);
            using var inference = new GnnInference(unitDirectories[unit], config);
            float[] Hidden(IEnumerable<NamedTensor> p) => inference.Run(inputs, p, GnnTensorNames.Hidden)[0];
            var result = TrainUnit(unitDirectories[unit], inputs,
                p => Auc(validationSum, Sigmoids(Hidden(p), split.ValidationPairs), unit + 1, split.ValidationTarget),
                split.Index, unit, unitDirectories.Count, progress, cancellation);
            var h = Hidden(result.Best);
            var validation = Sigmoids(h, split.ValidationPairs);
            var test = Sigmoids(h, split.TestPairs);
            double testAuc = Auc(testSum, test, unit + 1, split.TestTarget);
            for (int i = 0; i < validationSum.Length; i++) validationSum[i] += validation[i];
            for (int i = 0; i < testSum.Length; i++) testSum[i] += test[i];
            results.Add(new GnnLayerResult(forward ? unit + 1 : 0, testAuc, result.BestValidation, result.Epochs, result.BestEpoch,
                result.Seconds, result.PeakBytes, result.BaselineBytes));
            x = h;
            shape = [n, h.Length / n];
        }
        return results;
    }

    /// <summary>Percent of <paramref name="nodes"/> whose highest score in <paramref name="scores"/> [N, C] is their label.</summary>
    public static double Accuracy(ReadOnlySpan<float> scores, GraphDataset graph, IReadOnlyList<int> nodes)
    {
        int c = graph.ClassCount, correct = 0;
        foreach (var n in nodes)
        {
            if (Scores.ArgMax(scores.Slice(n * c, c)) == graph.Labels[n]) correct++;
        }
        return nodes.Count == 0 ? 0 : 100.0 * correct / nodes.Count;
    }

    /// <summary>Each training node's class; every other node −100, which the loss ignores.</summary>
    public static long[] TrainingLabels(GraphDataset graph, NodeSplit split)
    {
        var labels = Enumerable.Repeat(GnnTensorNames.IgnoredLabel, graph.NodeCount).ToArray();
        foreach (var n in split.Train) labels[n] = graph.Labels[n];
        return labels;
    }

    private sealed record Unit(List<NamedTensor> Best, double BestValidation, int Epochs, int BestEpoch, double Seconds, long PeakBytes, long BaselineBytes);

    private Unit TrainUnit(string directory, IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs, Func<IReadOnlyList<NamedTensor>, double> validate,
        int split, int unit, int units, IProgress<GnnProgress>? progress, CancellationToken cancellation)
    {
        long baseline = 0;
        if (_options.MeasureMemory)
        {
            PeakMemory.Reset();
            baseline = PeakMemory.CurrentBytes();
        }
        var clock = Stopwatch.StartNew();
        using var session = SessionCheckpoints.Open(directory, config: config);
        var batch = Batch(inputs, session.Manifest.Inputs.Select(i => i.Name));
        List<NamedTensor>? best = null;
        double bestValidation = double.NaN;
        int bestEpoch = -1, stale = 0, epoch = 0;
        for (; epoch < _options.Epochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            float loss = session.TrainStep(batch);
            session.OptimizerStep(_options.LearningRate);
            if (_options.Patience >= 0 && (epoch + 1) % _options.ValidateEvery == 0)
            {
                var parameters = session.Parameters().ToList();
                double validation = validate(parameters);
                if (best is null || validation > bestValidation)
                    (best, bestValidation, bestEpoch, stale) = (parameters, validation, epoch, 0);
                else if (++stale >= _options.Patience)
                {
                    epoch++;
                    break;
                }
            }
            progress?.Report(new GnnProgress(split, unit, units, epoch + 1, _options.Epochs, loss, bestValidation));
        }
        if (best is null)
        {
            best = session.Parameters().ToList();
            bestValidation = validate(best);
            bestEpoch = epoch - 1;
        }
        long peak = _options.MeasureMemory ? PeakMemory.PeakBytes() : 0;
        return new Unit(best, bestValidation, epoch, bestEpoch, clock.Elapsed.TotalSeconds, peak, baseline);
    }

    /// <summary>
    /// Everything a unit may read: the node rows (dense; for the data graph's own features also their non-zeros,
    /// which first layers read instead) and the edges. Each graph takes the entries it declares.
    /// </summary>
    private static Dictionary<string, (Array Data, long[] Shape)> Inputs(GraphDataset graph, float[] features, long[] shape, (long[] Source, long[] Target) edges)
    {
        var inputs = new Dictionary<string, (Array, long[])>
        {
            [GnnTensorNames.Features] = (features, shape),
            [GnnTensorNames.EdgeSource] = (edges.Source, [edges.Source.Length]),
            [GnnTensorNames.EdgeTarget] = (edges.Target, [edges.Target.Length]),
        };
        if (ReferenceEquals(features, graph.Features))
        {
            var (row, column, value) = graph.SparseFeatures();
            inputs[GnnTensorNames.FeatureRow] = (row, [row.Length]);
            inputs[GnnTensorNames.FeatureColumn] = (column, [column.Length]);
            inputs[GnnTensorNames.FeatureValue] = (value, [value.Length]);
        }
        return inputs;
    }

    /// <summary>The training step's inputs, as tensors, in the graph's names.</summary>
    private static List<NamedTensor> Batch(IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs, IEnumerable<string> names) => names.Select(name =>
    {
        if (!inputs.TryGetValue(name, out var input)) throw new ArgumentException($"The GNN artifacts need an input '{name}' the trainer does not have.");
        return input.Data switch
        {
            float[] f => NamedTensor.FromValues<float>(name, input.Shape, f),
            long[] l => NamedTensor.FromValues<long>(name, input.Shape, l),
            _ => throw new InvalidOperationException($"Unsupported input array {input.Data.GetType().Name}."),
        };
    }).ToList();
}

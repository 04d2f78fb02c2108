using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Pipeline.Graphs;

public sealed partial class GnnNodeTrainer
{
    /// <summary>
    /// Forward-forward with label appending: layer l trains on the positive graph (training nodes' true labels
    /// appended to the features, uniform 1/C for every other node) and one negative graph (a random wrong label per
    /// training node, drawn once per run); each graph's next-layer input is its own output. Prediction: for each
    /// class c, append c to the evaluated nodes (the known nodes keep their own label), sum each node's goodness
    /// over the layers, take the best c. One result per layer count.
    /// </summary>
    public IReadOnlyList<GnnLayerResult> TrainForwardForwardLabelAppending(GraphDataset graph, NodeSplit split, IReadOnlyList<string> layerDirectories,
        int seed, IProgress<GnnProgress>? progress = null, CancellationToken cancellation = default)
    {
        int n = graph.NodeCount, c = graph.ClassCount;
        var random = new Random(seed);
        var positive = LabelRows(graph, split.Train.Select(v => (v, graph.Labels[v])));
        var negative = LabelRows(graph, split.Train.Select(v => (v, (graph.Labels[v] + 1 + random.Next(c - 1)) % c)));

        // Evaluation label rows per class: validation (training nodes labelled) and test (training and validation nodes labelled).
        List<float[]> EvalLabels(IEnumerable<int> labelled, IReadOnlyList<int> evaluated) => Enumerable.Range(0, c)
            .Select(cls => LabelRows(graph, labelled.Select(v => (v, graph.Labels[v])).Concat(evaluated.Select(v => (v, cls))))).ToList();
        var validationLabels = EvalLabels(split.Train, split.Validation);
        var testLabels = EvalLabels(split.Train.Concat(split.Validation), split.Test);

        var edges = (graph.EdgeSource.Select(v => (long)v).ToArray(), graph.EdgeTarget.Select(v => (long)v).ToArray());
        var target = Enumerable.Repeat(1f, split.Train.Length).Concat(Enumerable.Repeat(0f, split.Train.Length)).ToArray();
        var trainNodes = split.Train.Select(v => (long)v).ToArray();
        float[]?[] trainingInputs = new float[]?[2], validationInputs = new float[]?[c], testInputs = new float[]?[c];
        var validationScores = new float[n * c];
        var testScores = new float[n * c];
        var results = new List<GnnLayerResult>();
        long hidden = 0;
        for (int layer = 0; layer < layerDirectories.Count; layer++)
        {
            var dir = layerDirectories[layer];
            Dictionary<string, (Array Data, long[] Shape)> GraphInputs(float[]? x, float[] labels)
            {
                var inputs = Inputs(graph, x ?? graph.Features, x is null ? [n, graph.FeatureCount] : [n, hidden], edges);
                inputs[GnnTensorNames.AppendedLabels] = (labels, [n, c]);
                return inputs;
            }
            var inputs = GraphInputs(trainingInputs[0], positive);
            var negativeInputs = GraphInputs(trainingInputs[1], negative);
            inputs[GnnTensorNames.Negative(GnnTensorNames.Features, 0)] = negativeInputs[GnnTensorNames.Features];
            inputs[GnnTensorNames.Negative(GnnTensorNames.AppendedLabels, 0)] = negativeInputs[GnnTensorNames.AppendedLabels];
            inputs[GnnTensorNames.TrainNodes] = (trainNodes, [trainNodes.Length]);
            inputs[GnnTensorNames.Target] = (target, [target.Length]);

            using var inference = new GnnInference(dir, config);
            float[] Scores(List<float[]> labels, float[]?[] x, float[] before, IEnumerable<NamedTensor> p, float[]?[]? next)
            {
                var scores = (float[])before.Clone();
                for (int cls = 0; cls < c; cls++)
                {
                    var outputs = inference.Run(GraphInputs(x[cls], labels[cls]), p, GnnTensorNames.Goodness, GnnTensorNames.Hidden);
                    for (int v = 0; v < n; v++) scores[v * c + cls] += outputs[0][v];
                    if (next is not null) next[cls] = outputs[1];
                }
                return scores;
            }
            var unit = TrainUnit(dir, inputs, p => Accuracy(Scores(validationLabels, validationInputs, validationScores, p, null), graph, split.Validation),
                split.Index, layer, layerDirectories.Count, progress, cancellation);

            validationScores = Scores(validationLabels, validationInputs, validationScores, unit.Best, validationInputs);
            testScores = Scores(testLabels, testInputs, testScores, unit.Best, testInputs);
            trainingInputs[0] = inference.Run(GraphInputs(trainingInputs[0], positive), unit.Best, GnnTensorNames.Hidden)[0];
            trainingInputs[1] = inference.Run(GraphInputs(trainingInputs[1], negative), unit.Best, GnnTensorNames.Hidden)[0];
            hidden = trainingInputs[0]!.Length / n;
            results.Add(new GnnLayerResult(layer + 1, Accuracy(testScores, graph, split.Test), unit.BestValidation, unit.Epochs, unit.BestEpoch,
                unit.Seconds, unit.PeakBytes, unit.BaselineBytes));
        }
        return results;
    }

    /// <summary>Label rows [N, C]: one-hot at the given (node, class) pairs, uniform 1/C for every other node.</summary>
    public static float[] LabelRows(GraphDataset graph, IEnumerable<(int Node, int Class)> labelled)
    {
        int c = graph.ClassCount;
        var rows = new float[graph.NodeCount * c];
        Array.Fill(rows, 1f / c);
        foreach (var (node, cls) in labelled)
        {
            Array.Clear(rows, node * c, c);
            rows[node * c + cls] = 1;
        }
        return rows;
    }
}

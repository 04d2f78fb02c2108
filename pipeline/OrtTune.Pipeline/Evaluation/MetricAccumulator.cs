using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Numerics;

namespace OrtTune.Pipeline.Evaluation;

/// <summary>
/// Adds up the eval graph's loss and prediction batch by batch and turns them into <see cref="EvalMetrics"/>.
/// The prediction is the eval graph's prediction output (logits): [B, C] for classification, [B, S, V] for causal LMs,
/// whose position t predicts label t+1 (the loss shifts the same way). Labels equal to the ignore index do not count.
/// </summary>
public sealed class MetricAccumulator
{
    private readonly bool _classification, _causal;
    private readonly long _ignore;
    private readonly string _labelsName;
    private double _lossSum, _lossWeight;
    private long _examples, _correct, _counted;
    private readonly Dictionary<long, (long tp, long fp, long fn)> _perClass = [];

    public MetricAccumulator(ArtifactManifest manifest, string labelsName = "labels")
    {
        _classification = manifest.LossKind.Contains("Classification", StringComparison.Ordinal);
        _causal = manifest.LossKind.Contains("CausalLM", StringComparison.Ordinal);
        _ignore = manifest.IgnoreIndex;
        _labelsName = labelsName;
    }

    /// <summary>Adds one batch: its inputs (for the labels), and the loss and prediction the eval graph computed on them.</summary>
    public void Add(IReadOnlyList<NamedTensor> inputs, float loss, ReadOnlySpan<float> prediction)
    {
        var labelsTensor = inputs.FirstOrDefault(t => t.Name == _labelsName);
        long rows = inputs[0].Dims[0];
        if (labelsTensor is null || !(_classification || _causal))
        {
            _examples += rows;
            _lossSum += loss * rows;
            _lossWeight += rows;
            return;
        }
        var labels = labelsTensor.ToArray<long>();
        // Rows whose labels are all the ignore index are padding (an eval file's last batch), not examples.
        long perRow = labels.Length / rows;
        for (long r = 0; r < rows; r++)
            if (labels.AsSpan((int)(r * perRow), (int)perRow).ContainsAnyExcept(_ignore)) _examples++;
        if (_classification) AddClassification(loss, labels, prediction, rows);
        else AddCausal(loss, labels, prediction, labelsTensor.GetDims());
    }

    public EvalMetrics Result()
    {
        if (_lossWeight == 0) throw new InvalidOperationException("No evaluated example had a label that counts (all were the ignore index).");
        double meanLoss = _lossSum / _lossWeight;
        double? accuracy = _counted > 0 ? (double)_correct / _counted : null;
        if (_classification)
        {
            double f1 = _perClass.Values.Average(c => c.tp == 0 ? 0 : 2.0 * c.tp / (2.0 * c.tp + c.fp + c.fn));
            return new EvalMetrics(meanLoss, _examples, accuracy, f1);
        }
        if (_causal) return new EvalMetrics(meanLoss, _examples, accuracy, Perplexity: Math.Exp(meanLoss));
        return new EvalMetrics(meanLoss, _examples);
    }

    private void AddClassification(float loss, long[] labels, ReadOnlySpan<float> prediction, long rows)
    {
        int classes = (int)(prediction.Length / rows);
        long counted = 0;
        for (int r = 0; r < rows; r++)
        {
            long label = labels[r];
            if (label == _ignore) continue;
            if (label < 0 || label >= classes)
                throw new InvalidDataException($"Label {label} lies outside the model's {classes} classes.");
            long predicted = Scores.ArgMax(prediction.Slice(r * classes, classes));
            counted++;
            if (predicted == label) { _correct++; Bump(label, tp: 1); }
            else { Bump(label, fn: 1); Bump(predicted, fp: 1); }
        }
        _counted += counted;
        _lossSum += loss * counted;
        _lossWeight += counted;
    }

    private void AddCausal(float loss, long[] labels, ReadOnlySpan<float> prediction, long[] dims)
    {
        long rows = dims[0], seq = dims[1];
        int vocab = (int)(prediction.Length / (rows * seq));
        long counted = 0;
        for (long r = 0; r < rows; r++)
            for (long t = 0; t + 1 < seq; t++)
            {
                long target = labels[r * seq + t + 1];
                if (target == _ignore) continue;
                counted++;
                if (Scores.ArgMax(prediction.Slice((int)((r * seq + t) * vocab), vocab)) == target) _correct++;
            }
        _counted += counted;
        // The graph's loss is the mean over counted targets, so weighting by their number gives the token mean over batches.
        _lossSum += (double)loss * counted;
        _lossWeight += counted;
    }

    private void Bump(long label, long tp = 0, long fp = 0, long fn = 0)
    {
        var c = _perClass.GetValueOrDefault(label);
        _perClass[label] = (c.tp + tp, c.fp + fp, c.fn + fn);
    }
}

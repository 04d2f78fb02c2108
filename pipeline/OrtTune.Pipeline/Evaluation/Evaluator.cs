using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Evaluation;

/// <summary>Runs the eval graph over an eval source (its epoch 0) and computes <see cref="EvalMetrics"/>.</summary>
public static class Evaluator
{
    /// <param name="maxBatches">Evaluate at most this many batches; null for the whole source.</param>
    public static EvalMetrics Run(ITrainStepRunner runner, IBatchSource source, int? maxBatches = null, CancellationToken cancellation = default)
    {
        var metrics = new MetricAccumulator(runner.Manifest);
        int seen = 0;
        foreach (var batch in source.Epoch(0))
        {
            if (maxBatches is { } max && seen >= max) break;
            cancellation.ThrowIfCancellationRequested();
            var (loss, prediction) = runner.Evaluate(batch.Inputs);
            metrics.Add(batch.Inputs, loss, prediction);
            seen++;
        }
        if (seen == 0) throw new InvalidDataException("The eval source holds no batch.");
        return metrics.Result();
    }
}

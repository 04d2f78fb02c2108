using System.Globalization;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// Where a run stands, stored in each checkpoint's property bag beside the parameters and optimizer state: enough to
/// continue on exactly the trajectory of an uninterrupted run. The learning rate is a function of <see cref="Step"/>
/// (the schedule's position); the data order a function of (<see cref="DataSeed"/>, <see cref="Epoch"/>), and
/// <see cref="BatchInEpoch"/> says how far into it the run got (the sampler's position).
/// </summary>
public sealed record TrainerState
{
    private const string Prefix = "orttune.trainer.";

    /// <summary>Format of the stored state; raised when a field's meaning changes.</summary>
    public const long CurrentVersion = 1;

    /// <summary>0-based epoch in progress.</summary>
    public long Epoch { get; set; }

    /// <summary>Micro-batches of <see cref="Epoch"/> already trained on.</summary>
    public long BatchInEpoch { get; set; }

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Real tokens trained on so far.</summary>
    public long Tokens { get; set; }

    /// <summary>Seed of the training data order.</summary>
    public long DataSeed { get; set; }

    /// <summary>Best value of <see cref="BestMetricName"/> so far, at <see cref="BestStep"/>; null before the first evaluation.</summary>
    public double? BestMetric { get; set; }

    public string BestMetricName { get; set; } = "loss";

    public long BestStep { get; set; } = -1;

    /// <summary>Evaluations since the best one (early stopping's counter).</summary>
    public long EvalsSinceBest { get; set; }

    /// <summary>The schedule of the run that saved this state, as "kind peak warmup total" (for inspection; a resume may change it).</summary>
    public string Schedule { get; set; } = "";

    /// <summary>Writes the state into <paramref name="bag"/> (replacing an older state).</summary>
    public void WriteTo(CheckpointPropertyBag bag)
    {
        bag.Set(CheckpointProperty.Int64(Prefix + "version", CurrentVersion));
        bag.Set(CheckpointProperty.Int64(Prefix + "epoch", Epoch));
        bag.Set(CheckpointProperty.Int64(Prefix + "batch_in_epoch", BatchInEpoch));
        bag.Set(CheckpointProperty.Int64(Prefix + "step", Step));
        bag.Set(CheckpointProperty.Int64(Prefix + "tokens", Tokens));
        bag.Set(CheckpointProperty.Int64(Prefix + "data_seed", DataSeed));
        // Strings keep the double exactly (the bag's floats are 32-bit).
        bag.Set(CheckpointProperty.String(Prefix + "best_metric", BestMetric is { } b ? b.ToString("R", CultureInfo.InvariantCulture) : ""));
        bag.Set(CheckpointProperty.String(Prefix + "best_metric_name", BestMetricName));
        bag.Set(CheckpointProperty.Int64(Prefix + "best_step", BestStep));
        bag.Set(CheckpointProperty.Int64(Prefix + "evals_since_best", EvalsSinceBest));
        bag.Set(CheckpointProperty.String(Prefix + "schedule", Schedule));
    }

    /// <summary>The state stored in <paramref name="bag"/>, or null when the checkpoint has none (e.g. the initial one).</summary>
    /// <exception cref="CheckpointFormatException">The state is from a newer OrtTune or incomplete.</exception>
    public static TrainerState? ReadFrom(CheckpointPropertyBag bag)
    {
        if (!bag.Contains(Prefix + "version")) return null;
        try
        {
            long version = bag.GetInt64(Prefix + "version");
            if (version > CurrentVersion)
                throw new CheckpointFormatException($"The checkpoint's trainer state has version {version}; this OrtTune reads up to {CurrentVersion}.");
            string best = bag.GetString(Prefix + "best_metric");
            return new TrainerState
            {
                Epoch = bag.GetInt64(Prefix + "epoch"),
                BatchInEpoch = bag.GetInt64(Prefix + "batch_in_epoch"),
                Step = bag.GetInt64(Prefix + "step"),
                Tokens = bag.GetInt64(Prefix + "tokens"),
                DataSeed = bag.GetInt64(Prefix + "data_seed"),
                BestMetric = best.Length == 0 ? null : double.Parse(best, CultureInfo.InvariantCulture),
                BestMetricName = bag.GetString(Prefix + "best_metric_name"),
                BestStep = bag.GetInt64(Prefix + "best_step"),
                EvalsSinceBest = bag.GetInt64(Prefix + "evals_since_best"),
                Schedule = bag.GetString(Prefix + "schedule"),
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFormatException($"The checkpoint's trainer state is incomplete or malformed: {e.Message}");
        }
    }
}

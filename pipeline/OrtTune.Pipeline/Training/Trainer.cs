using System.Diagnostics;
using System.Globalization;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Diagnostics;
using OrtTune.Pipeline.Evaluation;
using OrtTune.Pipeline.Training.Schedules;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// The training loop: epochs over an <see cref="IBatchSource"/>, gradient accumulation, a learning-rate schedule,
/// evaluation every N steps, the best and the last checkpoints, early stopping, cancellation and a divergence guard.
/// It drives any <see cref="ITrainStepRunner"/> and knows nothing about how a step is computed.
/// </summary>
/// <remarks>
/// Resume is exact: checkpoints are only taken between optimizer steps, and hold the parameters, optimizer state and a
/// <see cref="TrainerState"/>. The rate is a function of the step and the data order a function of (seed, epoch), so a
/// resumed run skips the micro-batches the epoch already used and continues on the uninterrupted trajectory.
/// </remarks>
public sealed class Trainer
{
    private readonly ITrainStepRunner _runner;
    private readonly TrainerOptions _options;

    public Trainer(ITrainStepRunner runner, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _runner = runner;
        _options = options;
    }

    /// <summary>Optimizer steps the run will take in all, when the source's length is known (or steps are given).</summary>
    public long? TotalSteps(IBatchSource train)
    {
        long? byEpochs = _options.Epochs is { } e && train.BatchesPerEpoch is { } n
            ? e * ((n + _options.GradientAccumulation - 1) / _options.GradientAccumulation) : null;
        return (_options.MaxSteps, byEpochs) switch
        {
            ({ } s, { } b) => Math.Min(s, b),
            ({ } s, null) => _options.Epochs is null ? s : null,
            (null, var b) => b,
        };
    }

    /// <summary>
    /// Trains until the epochs or steps are done, early stopping fires or <paramref name="cancellation"/> is signalled
    /// (then the current step finishes and is saved). <paramref name="resume"/> is the state stored in the checkpoint
    /// the runner was opened from.
    /// </summary>
    /// <exception cref="DivergedException">The loss or gradient norm became NaN or infinite; nothing was saved after the last good step.</exception>
    public TrainingResult Run(IBatchSource train, IBatchSource? eval = null, TrainerState? resume = null,
        IProgress<TrainerReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = _options;
        long? total = TotalSteps(train);
        if (o.Schedule != ScheduleKind.Constant && total is null)
            throw new ArgumentException($"A {o.Schedule.ToString().ToLowerInvariant()} schedule needs the run's length: give a step count, since the data's length is not known in advance.");
        var schedule = LearningRateSchedules.Create(o.Schedule, o.LearningRate, total ?? 0, o.WarmupSteps);
        string scheduleText = string.Create(CultureInfo.InvariantCulture, $"{o.Schedule} {o.LearningRate:R} {o.WarmupSteps} {total}");
        var state = Begin(resume, scheduleText);
        var store = o.CheckpointDirectory is null ? null : new CheckpointStore(o.CheckpointDirectory, o.KeepLast);
        if (store is not null && state.BestStep >= 0) store.RestoreBest(state.BestStep);

        var run = new RunProgress(store?.Latest);
        var clock = Stopwatch.StartNew();
        var stepClock = Stopwatch.StartNew();
        StopReason? stop = null;
        int pending = 0;
        double lossSum = 0;
        long stepTokens = 0;
        bool evaluatedLast = false, lastEvalBest = false;

        // Applies the accumulated gradients, then evaluates, saves and decides whether to go on.
        void OptimizerStep()
        {
            float lr = schedule.At(_runner.Step);
            _runner.OptimizerStep(lr);
            float loss = (float)(lossSum / pending);
            if (_runner.LastGradNorm is { } g && !float.IsFinite(g))
                throw new DivergedException(_runner.Step, "gradient norm", g, run.LastSaved);
            state.Step = _runner.Step;
            run.Record(loss);
            double seconds = Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9);
            progress?.Report(new StepReport(state.Step, total, state.Epoch, loss, lr, _runner.LastGradNorm, stepTokens / seconds,
                PeakMemory.IsSupported ? PeakMemory.CurrentBytes() : 0, PeakMemory.IsSupported ? PeakMemory.PeakBytes() : 0, clock.Elapsed));
            (pending, lossSum, stepTokens) = (0, 0, 0);

            evaluatedLast = eval is not null && o.EvalEvery > 0 && state.Step % o.EvalEvery == 0;
            lastEvalBest = evaluatedLast && Evaluate(eval!, state, run, progress);
            if (evaluatedLast && o.EarlyStopping is { } early && state.EvalsSinceBest >= early.Patience) stop = StopReason.EarlyStopped;
            // The run's last step is saved once, after the loop, with the final state.
            bool last = stop is not null || StepsDone(state);
            if (store is not null && !last && (evaluatedLast || (o.SaveEvery > 0 && state.Step % o.SaveEvery == 0)))
                Save(store, state, lastEvalBest, run, progress);
            stepClock.Restart();
        }

        while (stop is null && !(o.Epochs is { } epochs && state.Epoch >= epochs) && !StepsDone(state))
        {
            long index = 0;
            bool interrupted = false;
            foreach (var batch in train.Epoch(checked((int)state.Epoch)))
            {
                if (index++ < state.BatchInEpoch) continue;
                // Stop only between optimizer steps, so every saved state has no half-accumulated gradients.
                if (pending == 0 && (stop is not null || StepsDone(state) || cancellation.IsCancellationRequested))
                {
                    stop ??= cancellation.IsCancellationRequested && !StepsDone(state) ? StopReason.Cancelled : null;
                    interrupted = true;
                    break;
                }
                float loss = _runner.TrainStep(batch.Inputs);
                if (!float.IsFinite(loss)) throw new DivergedException(_runner.Step + 1, "loss", loss, run.LastSaved);
                pending++;
                lossSum += loss;
                stepTokens += batch.Tokens;
                state.Tokens += batch.Tokens;
                state.BatchInEpoch++;
                if (pending == o.GradientAccumulation) OptimizerStep();
            }
            if (index == 0) throw new InvalidDataException($"The training source yielded no batch in epoch {state.Epoch}.");
            if (pending > 0) OptimizerStep(); // the epoch's tail: fewer micro-batches than the accumulation
            if (!interrupted) (state.Epoch, state.BatchInEpoch) = (state.Epoch + 1, 0);
        }

        var reason = stop ?? StopReason.Completed;
        bool finalBest = lastEvalBest;
        if (eval is not null && !evaluatedLast && reason != StopReason.Cancelled && run.Steps > 0)
            finalBest = Evaluate(eval, state, run, progress);
        if (store is not null && run.Steps > 0 && (run.LastSavedStep != state.Step || (finalBest && store.Best != run.LastSaved)))
            Save(store, state, finalBest, run, progress);
        return new TrainingResult(state.Step, run.FirstLoss, run.LastLoss, reason, run.LastSaved, store?.Best, run.LastEval, state);
    }

    private bool StepsDone(TrainerState state) => _options.MaxSteps is { } max && state.Step >= max;

    private TrainerState Begin(TrainerState? resume, string schedule)
    {
        if (resume is null)
            return new TrainerState { Step = _runner.Step, DataSeed = _options.DataSeed, BestMetricName = _options.BestMetric, Schedule = schedule };
        if (resume.Step != _runner.Step)
            throw new InvalidDataException($"The trainer state says step {resume.Step} but the runner's checkpoint is at step {_runner.Step}: they come from different checkpoints.");
        if (resume.DataSeed != _options.DataSeed)
            throw new InvalidDataException($"The checkpoint was trained with data seed {resume.DataSeed}, not {_options.DataSeed}; resume with the same seed to continue its trajectory.");
        var state = resume with { Schedule = schedule };
        if (state.BestMetricName != _options.BestMetric) (state.BestMetric, state.BestStep, state.EvalsSinceBest) = (null, -1, 0);
        state.BestMetricName = _options.BestMetric;
        return state;
    }

    /// <summary>Evaluates and updates the best metric; returns whether this evaluation is the best so far.</summary>
    private bool Evaluate(IBatchSource eval, TrainerState state, RunProgress run, IProgress<TrainerReport>? progress)
    {
        // Not cancellable: a cancelled run still finishes the evaluation it is in and saves.
        var metrics = Evaluator.Run(_runner, eval, _options.EvalBatches);
        run.LastEval = metrics;
        double value = metrics.Get(_options.BestMetric)
                       ?? throw new ArgumentException($"The eval metric '{_options.BestMetric}' does not exist for {_runner.Manifest.LossKind} artifacts.");
        double delta = _options.EarlyStopping?.MinDelta ?? 0;
        bool better = state.BestMetric is not { } best
                      || (EvalMetrics.HigherIsBetter(_options.BestMetric) ? value > best + delta : value < best - delta);
        if (better) (state.BestMetric, state.BestStep, state.EvalsSinceBest) = (value, state.Step, 0);
        else state.EvalsSinceBest++;
        progress?.Report(new EvalReport(state.Step, metrics, better));
        return better;
    }

    private void Save(CheckpointStore store, TrainerState state, bool isBest, RunProgress run, IProgress<TrainerReport>? progress)
    {
        var checkpoint = _runner.CaptureCheckpoint();
        state.WriteTo(checkpoint.PropertyBag);
        run.LastSaved = store.Save(checkpoint, state.Step, isBest);
        run.LastSavedStep = state.Step;
        progress?.Report(new CheckpointReport(state.Step, run.LastSaved, isBest));
    }

    /// <summary>What this run has done so far (for the result and the divergence message).</summary>
    private sealed class RunProgress(string? lastSaved)
    {
        public string? LastSaved { get; set; } = lastSaved;
        public long LastSavedStep { get; set; } = -1;
        public EvalMetrics? LastEval { get; set; }
        public long Steps { get; private set; }
        public float FirstLoss { get; private set; } = float.NaN;
        public float LastLoss { get; private set; } = float.NaN;

        public void Record(float loss)
        {
            if (Steps++ == 0) FirstLoss = loss;
            LastLoss = loss;
        }
    }
}

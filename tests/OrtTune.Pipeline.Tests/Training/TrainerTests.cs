using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Training;
using OrtTune.Pipeline.Training.Schedules;

namespace OrtTune.Pipeline.Tests.Training;

/// <summary>The trainer on real artifacts of the llama fixture (vocabulary 100): AdamW at batch 2, plain SGD at batch 2 and 4.</summary>
[TestClass]
public sealed class TrainerTests
{
    private static string _root = "", _adam = "", _sgd2 = "", _sgd4 = "";
    private string _run = "";

    [ClassInitialize]
    public static void Prepare(TestContext _)
    {
        _root = Path.Combine(Path.GetTempPath(), "orttune-trainer-" + Guid.NewGuid().ToString("N")[..8]);
        var model = Path.Combine(RepoPaths.Root, "tests", "fixtures", "models", "llama", "model.onnx");
        ArtifactOptions Options(int batch, OptimizerOptions optimizer) => new()
        {
            Shapes = new SpecializationOptions { Batch = batch, Sequence = 8 },
            Loss = new LossOptions(LossKind.CausalLMCrossEntropy),
            Optimizer = optimizer,
            LearningRate = 1e-3,
        };
        ArtifactBuilder.Build(model, _adam = Path.Combine(_root, "adam"), Options(2, new AdamWOptions { ReportGradNorm = true }));
        // Momentum-free SGD is linear in the gradient, so accumulated and whole-batch updates agree to rounding.
        var sgd = new SgdOptions { Momentum = 0, WeightDecay = 0, ReportGradNorm = true };
        ArtifactBuilder.Build(model, _sgd2 = Path.Combine(_root, "sgd2"), Options(2, sgd));
        ArtifactBuilder.Build(model, _sgd4 = Path.Combine(_root, "sgd4"), Options(4, sgd));
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [TestInitialize]
    public void NewRun() => _run = Path.Combine(_root, "run-" + Guid.NewGuid().ToString("N")[..8]);

    private static InMemoryBatchSource Source(string artifacts, int batches, int seed, int? shuffle = null) =>
        new(BatchSource.Synthetic(ArtifactManifest.Load(artifacts), batches, 100, 2, seed), shuffle);

    private static Dictionary<string, float[]> Parameters(ITrainStepRunner runner) =>
        runner.CaptureCheckpoint().TrainableParameters.ToDictionary(p => p.Name, p => p.ToArray<float>());

    private static float MaxDiff(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Max(p => p.Value.Zip(b[p.Key]).Max(x => Math.Abs(x.First - x.Second)));

    [TestMethod]
    public void Accumulating_two_micro_batches_equals_one_step_on_the_whole_batch()
    {
        // Four rows: as two micro-batches of 2 (accumulated) and as one batch of 4.
        var rows = BatchSource.Synthetic(ArtifactManifest.Load(_sgd4), 1, 100, 2, seed: 5)[0];
        var halves = Enumerable.Range(0, 2).Select(h => (IReadOnlyList<NamedTensor>)rows.Select(t =>
            NamedTensor.FromValues<long>(t.Name, [2, 8], t.ToArray<long>().AsSpan(h * 16, 16))).ToList()).ToList();
        using var whole = SessionCheckpoints.Open(_sgd4);
        new Trainer(whole, new TrainerOptions { MaxSteps = 1, LearningRate = 0.5f }).Run(new InMemoryBatchSource([rows]));
        using var accumulated = SessionCheckpoints.Open(_sgd2);
        var result = new Trainer(accumulated, new TrainerOptions { MaxSteps = 1, LearningRate = 0.5f, GradientAccumulation = 2 })
            .Run(new InMemoryBatchSource(halves));
        Assert.AreEqual(1L, result.Steps);
        float diff = MaxDiff(Parameters(whole), Parameters(accumulated));
        Assert.IsLessThan(1e-6f, diff, $"max |Δparameter| {diff}");
        // And the step did move the parameters (lr 0.5): the comparison is not between two untouched models.
        using var untouched = SessionCheckpoints.Open(_sgd4);
        Assert.IsGreaterThan(1e-3f, MaxDiff(Parameters(untouched), Parameters(whole)));
    }

    [TestMethod]
    public void Epochs_with_a_tail_shorter_than_the_accumulation_step_once_per_tail()
    {
        using var session = SessionCheckpoints.Open(_adam);
        var trainer = new Trainer(session, new TrainerOptions { Epochs = 2, GradientAccumulation = 2, LearningRate = 1e-3f });
        var source = Source(_adam, 3, seed: 1, shuffle: 4);
        Assert.AreEqual(4L, trainer.TotalSteps(source));
        var steps = new List<StepReport>();
        var result = trainer.Run(source, progress: new Collect(r => { if (r is StepReport s) steps.Add(s); }));
        Assert.AreEqual((StopReason.Completed, 4L, 2L, 0L), (result.Reason, result.Steps, result.State.Epoch, result.State.BatchInEpoch));
        CollectionAssert.AreEqual(new long[] { 0, 0, 1, 1 }, steps.Select(s => s.Epoch).ToArray());
        Assert.AreEqual(6 * 16L, result.State.Tokens);
        Assert.IsTrue(steps.All(s => s.GradNorm is > 0 && s.TokensPerSecond > 0 && s.TotalSteps == 4));
    }

    [TestMethod]
    public void Cancelled_run_saves_and_its_resume_equals_the_uninterrupted_run()
    {
        var options = new TrainerOptions
        {
            Epochs = 3, GradientAccumulation = 2, LearningRate = 2e-3f, Schedule = ScheduleKind.Cosine, WarmupSteps = 2,
            EvalEvery = 2, KeepLast = 2, DataSeed = 7,
        };
        var train = Source(_adam, 5, seed: 3, shuffle: 7);
        var eval = Source(_adam, 2, seed: 99);

        using var straight = SessionCheckpoints.Open(_adam);
        var full = new Trainer(straight, options with { CheckpointDirectory = Path.Combine(_run, "straight") }).Run(train, eval);
        Assert.AreEqual(9L, full.Steps);

        var dir = Path.Combine(_run, "interrupted");
        using var cts = new CancellationTokenSource();
        TrainingResult stopped;
        using (var first = SessionCheckpoints.Open(_adam))
            stopped = new Trainer(first, options with { CheckpointDirectory = dir })
                .Run(train, eval, progress: new Collect(r => { if (r is StepReport { Step: 5 }) cts.Cancel(); }), cancellation: cts.Token);
        Assert.AreEqual((StopReason.Cancelled, 5L), (stopped.Reason, stopped.Steps));
        var saved = new CheckpointStore(dir).Latest!;
        Assert.AreEqual(CheckpointStore.FileName(5), Path.GetFileName(saved));
        var checkpoint = CheckpointReader.Read(saved);
        var state = TrainerState.ReadFrom(checkpoint.PropertyBag)!;
        // Epoch 0 takes 3 steps (2+2+1 micro-batches); step 5 ends after micro-batch 4 of epoch 1.
        Assert.AreEqual((5L, 1L, 4L), (state.Step, state.Epoch, state.BatchInEpoch));

        using var resumed = SessionCheckpoints.Open(_adam, checkpoint, saved);
        var rest = new Trainer(resumed, options with { CheckpointDirectory = dir }).Run(train, eval, state);
        Assert.AreEqual((StopReason.Completed, 9L), (rest.Reason, rest.Steps));
        var expected = Parameters(straight);
        foreach (var (name, value) in Parameters(resumed))
            CollectionAssert.AreEqual(expected[name], value, $"'{name}' left the uninterrupted trajectory");
        Assert.AreEqual(full.State.BestStep, rest.State.BestStep);
        Assert.AreEqual(full.LastEval!.Loss, rest.LastEval!.Loss);

        var wrongSeed = options with { DataSeed = 8 };
        using var again = SessionCheckpoints.Open(_adam, checkpoint, saved);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new Trainer(again, wrongSeed).Run(train, eval, state));
        Assert.Contains("data seed 7", e.Message);
    }

    [TestMethod]
    public void Keeps_the_last_n_checkpoints_and_the_best()
    {
        var evals = new List<(long step, double loss)>();
        using var session = SessionCheckpoints.Open(_adam);
        // Training on other data than the eval data at a high rate: the eval loss does not fall monotonically.
        var result = new Trainer(session, new TrainerOptions { MaxSteps = 10, LearningRate = 3e-2f, EvalEvery = 1, KeepLast = 2, CheckpointDirectory = _run })
            .Run(Source(_adam, 2, seed: 1), Source(_adam, 2, seed: 2),
                progress: new Collect(r => { if (r is EvalReport e) evals.Add((e.Step, e.Metrics.Loss)); }));
        Assert.HasCount(10, evals);
        long best = evals.MinBy(e => e.loss).step;
        Assert.AreEqual(best, result.State.BestStep);
        Assert.AreEqual(Path.Combine(_run, CheckpointStore.FileName(best)), result.BestCheckpoint);
        var expected = new[] { 9L, 10L, best }.Distinct().Select(CheckpointStore.FileName).Order().ToArray();
        var files = Directory.GetFiles(_run, "step-*").Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(expected, files);
        Assert.AreEqual(result.BestCheckpoint, CheckpointStore.Resolve(Path.Combine(_run, "best")));
        Assert.AreEqual(Path.Combine(_run, CheckpointStore.FileName(10)), CheckpointStore.Resolve(_run));
        // The best checkpoint holds the parameters that scored best: re-evaluating it gives the same loss.
        using var reopened = SessionCheckpoints.Open(_adam, result.BestCheckpoint);
        Assert.AreEqual(evals.Min(e => e.loss), OrtTune.Pipeline.Evaluation.Evaluator.Run(reopened, Source(_adam, 2, seed: 2)).Loss, 1e-9);
    }

    [TestMethod]
    public void Early_stopping_ends_the_run_after_patience_evaluations_without_improvement()
    {
        using var session = SessionCheckpoints.Open(_adam);
        // A rate this small cannot move the eval loss by the minimum delta, so evaluations 2 and 3 do not improve.
        var result = new Trainer(session, new TrainerOptions
        {
            MaxSteps = 50, LearningRate = 1e-12f, EvalEvery = 2, EarlyStopping = new EarlyStoppingOptions { Patience = 2, MinDelta = 1e-3 },
            CheckpointDirectory = _run,
        }).Run(Source(_adam, 4, seed: 1), Source(_adam, 1, seed: 2));
        Assert.AreEqual((StopReason.EarlyStopped, 6L, 2L), (result.Reason, result.Steps, result.State.BestStep));
        Assert.AreEqual(2L, result.State.EvalsSinceBest);
        Assert.IsTrue(File.Exists(Path.Combine(_run, CheckpointStore.FileName(6))), "the stopped run is saved");
    }

    [TestMethod]
    public void Divergence_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint()
    {
        byte[]? goodBytes = null;
        using var session = SessionCheckpoints.Open(_sgd2);
        // Plain SGD at 1e20 overflows the parameters within two steps.
        var trainer = new Trainer(session, new TrainerOptions { MaxSteps = 20, LearningRate = 1e20f, SaveEvery = 1, CheckpointDirectory = _run });
        var e = Assert.ThrowsExactly<DivergedException>(() => trainer.Run(Source(_sgd2, 2, seed: 1),
            progress: new Collect(r => { if (r is CheckpointReport c) goodBytes = File.ReadAllBytes(c.Path); })));
        StringAssert.Matches(e.Message, new System.Text.RegularExpressions.Regex(@"^The (loss|gradient norm) became (NaN|-?∞|-?Infinity) at step \d+; training stopped\. The last good checkpoint is "));
        Assert.IsNotNull(e.LastGoodCheckpoint);
        Assert.AreEqual(Path.Combine(_run, CheckpointStore.FileName(e.Step - 1)), e.LastGoodCheckpoint);
        CollectionAssert.AreEqual(goodBytes, File.ReadAllBytes(e.LastGoodCheckpoint), "the last good checkpoint was rewritten");
        Assert.IsFalse(File.Exists(Path.Combine(_run, CheckpointStore.FileName(e.Step))), "a diverged step was saved");
        var good = CheckpointReader.Read(e.LastGoodCheckpoint);
        Assert.IsTrue(good.TrainableParameters.All(p => p.ToArray<float>().All(float.IsFinite)), "the kept checkpoint holds finite parameters");
    }

    [TestMethod]
    public void Trainer_state_round_trips_through_the_property_bag()
    {
        var state = new TrainerState
        {
            Epoch = 3, BatchInEpoch = 17, Step = 120, Tokens = 99_999, DataSeed = -4, BestMetric = 0.1 + 0.2, BestMetricName = "f1",
            BestStep = 100, EvalsSinceBest = 2, Schedule = "Cosine 0.001 10 500",
        };
        var bag = new CheckpointPropertyBag();
        bag.Add("user", "kept");
        state.WriteTo(bag);
        var bytes = CheckpointWriter.ToBytes(new TrainingCheckpoint { PropertyBag = bag });
        var read = TrainerState.ReadFrom(CheckpointReader.Read(bytes).PropertyBag);
        Assert.AreEqual(state, read);
        Assert.IsNull(TrainerState.ReadFrom(new CheckpointPropertyBag()));
    }

    [TestMethod]
    public void Bad_options_are_refused()
    {
        using var session = SessionCheckpoints.Open(_adam);
        Assert.Contains("epochs, steps", Assert.ThrowsExactly<ArgumentException>(() => new Trainer(session, new TrainerOptions())).Message);
        Assert.Contains("Unknown metric", Assert.ThrowsExactly<ArgumentException>(() => new Trainer(session, new TrainerOptions { MaxSteps = 1, BestMetric = "bleu" })).Message);
        var perplexityOnClassifier = new Trainer(session, new TrainerOptions { MaxSteps = 1, BestMetric = "f1" });
        Assert.Contains("'f1' does not exist", Assert.ThrowsExactly<ArgumentException>(() => perplexityOnClassifier.Run(Source(_adam, 1, 1), Source(_adam, 1, 2))).Message);
    }

    private sealed class Collect(Action<TrainerReport> action) : IProgress<TrainerReport>
    {
        public void Report(TrainerReport value) => action(value);
    }
}

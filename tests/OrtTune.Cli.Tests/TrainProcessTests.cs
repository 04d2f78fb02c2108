using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Metrics;
using OrtTune.Pipeline.Training;

namespace OrtTune.Cli.Tests;

/// <summary>
/// `orttune train` as a separate process: killed with SIGKILL mid-run and resumed, it ends where an uninterrupted run
/// ends; interrupted with SIGINT (Ctrl-C), it saves and exits with 130.
/// </summary>
[TestClass]
public sealed class TrainProcessTests
{
    private static string _dir = "", _artifacts = "";

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void Prepare(TestContext _)
    {
        _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-process-" + Guid.NewGuid().ToString("N")[..8]);
        _artifacts = Path.Combine(_dir, "artifacts");
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", _artifacts, "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--lr", "2e-3");
        Assert.AreEqual(0, code, error);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // Shuffled epochs of 5 batches with accumulation 2 (every third step ends an epoch early), a cosine schedule with
    // warm-up and evaluations: everything the trainer state must carry across a kill.
    private static string[] Train(string checkpoints, long steps, params string[] more) =>
    [
        "train", _artifacts, "--synthetic", "--vocab", "100", "--synthetic-batches", "5", "--seed", "11", "--accumulate", "2",
        "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), "--schedule", "cosine", "--warmup", "20",
        "--eval-every", "50", "--save-every", "5", "--keep", "3", "--checkpoints", checkpoints, .. more,
    ];

    [TestMethod]
    public void Sigkill_mid_training_then_resume_ends_equal_to_an_uninterrupted_run()
    {
        const long steps = 600;
        var straight = Path.Combine(_dir, "straight");
        var (code, _, error) = CliRunner.Run(Train(straight, steps));
        Assert.AreEqual(0, code, error);

        var killed = Path.Combine(_dir, "killed");
        long killedAt;
        using (var child = new ChildProcess(Train(killed, steps)))
        {
            Assert.IsTrue(child.WaitUntil(() => LatestStep(killed) >= 40, TimeSpan.FromMinutes(3)), "no checkpoint appeared:\n" + child.Output);
            child.Kill();
            killedAt = LatestStep(killed);
            Assert.IsLessThan(steps, killedAt, "the run finished before it could be killed; raise the step count");
        }
        TestContext.WriteLine($"killed after the checkpoint of step {killedAt}");

        (code, var output, error) = CliRunner.Run(Train(killed, steps, "--resume", killed));
        Assert.AreEqual(0, code, error);
        Assert.Contains($"resuming from {Path.Combine(killed, CheckpointStore.FileName(killedAt))} at step {killedAt}", output.Replace("\n", ""));

        var expected = CheckpointReader.Read(Path.Combine(straight, CheckpointStore.FileName(steps)));
        var actual = CheckpointReader.Read(Path.Combine(killed, CheckpointStore.FileName(steps)));
        double maxDiff = 0;
        foreach (var p in expected.TrainableParameters)
        {
            var a = p.ToArray<float>();
            var b = actual.FindParameter(p.Name)!.ToArray<float>();
            maxDiff = Math.Max(maxDiff, a.Zip(b).Max(x => Math.Abs((double)x.First - x.Second)));
        }
        TestContext.WriteLine($"max |parameter difference| after resume: {maxDiff:E3}");
        Assert.IsLessThanOrEqualTo(1e-6, maxDiff);
        // The optimizer state and trainer state continue too.
        Assert.AreEqual(TrainerState.ReadFrom(expected.PropertyBag), TrainerState.ReadFrom(actual.PropertyBag));
        Assert.AreEqual(steps, actual.OptimizerGroups[0].Step);
        // The metrics describe one trajectory: every step once, though steps after the kill's checkpoint ran twice.
        var rows = MetricsLog.Read(Path.Combine(killed, MetricsLog.CsvName)).Where(r => r.Phase == "train").Select(r => r.Step).ToList();
        CollectionAssert.AreEqual(Enumerable.Range(1, (int)steps).Select(i => (long)i).ToList(), rows);
    }

    [TestMethod]
    public void Ctrl_c_saves_a_checkpoint_and_exits_cleanly()
    {
        var dir = Path.Combine(_dir, "interrupted");
        using var child = new ChildProcess(Train(dir, 1_000_000));
        Assert.IsTrue(child.WaitUntil(() => LatestStep(dir) >= 10, TimeSpan.FromMinutes(3)), "no checkpoint appeared:\n" + child.Output);
        child.Interrupt();
        int code = child.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.AreEqual(130, code, child.Output); // as shells report SIGINT
        Assert.Contains("stopped (Ctrl-C)", child.Output);
        // The step it stopped at is saved, with the trainer state to resume from.
        var latest = CheckpointStore.Resolve(dir);
        var state = TrainerState.ReadFrom(CheckpointReader.Read(latest).PropertyBag)!;
        Assert.AreEqual(CheckpointStore.FileName(state.Step), Path.GetFileName(latest));
        Assert.IsGreaterThanOrEqualTo(10L, state.Step);
        Assert.Contains($"stopped (Ctrl-C) after step {state.Step}", child.Output.Replace("\n", ""));
        Assert.IsEmpty(Directory.GetFiles(dir, ".*.tmp"), "a temporary file was left behind");
    }

    private static long LatestStep(string dir)
    {
        var index = Path.Combine(dir, CheckpointStore.IndexName);
        if (!File.Exists(index)) return -1;
        try
        {
            return long.Parse(Path.GetFileName(CheckpointStore.Resolve(dir))["step-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return -1; // the index is being replaced right now
        }
    }
}

using System.CommandLine;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Cli.Plotting;
using OrtTune.Cli.Rendering;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Pipeline.Evaluation;
using OrtTune.Pipeline.Metrics;
using OrtTune.Pipeline.Runtime;
using OrtTune.Pipeline.Training;
using OrtTune.Pipeline.Training.Schedules;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>
/// `orttune train DIR (--data FOLDER | --synthetic --vocab V) [--epochs E | --steps N] ...`: the trainer on prepared
/// artifacts with the portable backend; checkpoints, metrics (CSV, JSONL, PNG) and resume.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Exit code of a run stopped by Ctrl-C (after saving), as shells report SIGINT.</summary>
    public const int Interrupted = 130;

    public static Command Create(IAnsiConsole console)
    {
        var dir = new Argument<DirectoryInfo>("artifacts") { Description = "Directory written by `orttune prepare`." };
        var sources = new BatchSourceOptions();
        var devices = new DeviceOptions();
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the training data. Default: none (then --steps, default 10)." };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps to reach, counted from the start of training. Default 10 without --epochs." };
        var lr = new Option<float?>("--lr") { Description = "Peak learning rate. Default: the one recorded by prepare." };
        var schedule = new Option<string>("--schedule") { Description = "constant (default), linear or cosine decay to 0, after --warmup.", DefaultValueFactory = _ => "constant" };
        var warmup = new Option<long>("--warmup") { Description = "Optimizer steps of linear warm-up. Default 0.", DefaultValueFactory = _ => 0 };
        var accumulate = new Option<int>("--accumulate") { Description = "Micro-batches per optimizer step. Default 1.", DefaultValueFactory = _ => 1 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate every N steps (and at the end) when there is eval data. Default 0: only at the end.", DefaultValueFactory = _ => 0 };
        var evalBatches = new Option<int?>("--eval-batches") { Description = "Evaluate on at most this many batches. Default: all." };
        var metric = new Option<string>("--metric") { Description = "Eval metric for the best checkpoint and early stopping: loss (default), accuracy, f1, perplexity.", DefaultValueFactory = _ => "loss" };
        var earlyStop = new Option<int>("--early-stop") { Description = "Stop after N evaluations without improving --metric. Default 0: never.", DefaultValueFactory = _ => 0 };
        var minDelta = new Option<double>("--min-delta") { Description = "With --early-stop: a smaller change of --metric is no improvement. Default 0.", DefaultValueFactory = _ => 0 };
        var checkpoints = new Option<DirectoryInfo?>("--checkpoints") { Description = "Checkpoint folder. Default: ARTIFACTS/checkpoints." };
        var keep = new Option<int>("--keep") { Description = "Step checkpoints kept besides the best. Default 3.", DefaultValueFactory = _ => 3 };
        var saveEvery = new Option<int>("--save-every") { Description = "Also save every N steps. Default 0: at evaluations, on Ctrl-C and at the end.", DefaultValueFactory = _ => 0 };
        var resume = new Option<string?>("--resume") { Description = "Continue from a checkpoint file, a checkpoint folder (its latest) or FOLDER/best." };
        var backend = new Option<string>("--backend")
        {
            Description = "portable (default: OrtTune's graphs on plain ONNX Runtime) or ort-training (ORT-format artifacts in ONNX Runtime's training library).",
            DefaultValueFactory = _ => "portable",
        };
        var metricsDir = new Option<DirectoryInfo?>("--metrics-dir") { Description = "Where metrics.csv, metrics.jsonl and metrics.png go. Default: the checkpoint folder." };
        var command = new Command("train", "Train prepared artifacts: schedules, accumulation, evaluation, early stopping, checkpoints and resume.");
        command.Arguments.Add(dir);
        sources.AddTo(command, train: true);
        foreach (var o in new Option[] { epochs, steps, lr, schedule, warmup, accumulate, evalEvery, evalBatches, metric, earlyStop, minDelta, checkpoints, keep, saveEvery, resume, metricsDir, backend })
            command.Options.Add(o);
        devices.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var artifacts = parse.GetValue(dir)!.FullName;
            var manifest = ArtifactManifest.Load(artifacts);
            var config = devices.Read(parse);
            var train = sources.Train(parse, manifest, artifacts);
            var eval = sources.Eval(parse, manifest, artifacts);
            int? epochCount = parse.GetValue(epochs);
            var checkpointDir = parse.GetValue(checkpoints)?.FullName ?? Path.Combine(artifacts, "checkpoints");
            int patience = parse.GetValue(earlyStop);
            if (patience < 0) throw new OrtTuneException($"--early-stop must be 0 (off) or a patience of at least 1, got {patience}.");
            if (patience > 0 && eval is null) throw new OrtTuneException("--early-stop needs eval data (--eval-file, --eval-data, or --synthetic).");
            switch (parse.GetValue(backend))
            {
                case "portable": break;
                case "ort-training":
                    return Task.FromResult(TrainOrt(console, artifacts, parse.GetValue(resume), train, (int)(parse.GetValue(steps) ?? 10),
                        parse.GetValue(lr) ?? (float)manifest.Optimizer.LearningRate, Path.Combine(checkpointDir, "last"), cancellation));
                case var other: throw new OrtTuneException($"--backend must be portable or ort-training, got '{other}'.");
            }
            var options = new TrainerOptions
            {
                Epochs = epochCount,
                MaxSteps = parse.GetValue(steps) ?? (epochCount is null ? 10 : null),
                LearningRate = parse.GetValue(lr) ?? (float)manifest.Optimizer.LearningRate,
                Schedule = Parse(() => LearningRateSchedules.Parse(parse.GetValue(schedule) ?? "constant")),
                WarmupSteps = parse.GetValue(warmup),
                GradientAccumulation = parse.GetValue(accumulate),
                EvalEvery = parse.GetValue(evalEvery),
                EvalBatches = parse.GetValue(evalBatches),
                BestMetric = parse.GetValue(metric) ?? "loss",
                EarlyStopping = patience > 0 ? new EarlyStoppingOptions { Patience = patience, MinDelta = parse.GetValue(minDelta) } : null,
                CheckpointDirectory = checkpointDir,
                KeepLast = parse.GetValue(keep),
                SaveEvery = parse.GetValue(saveEvery),
                DataSeed = parse.GetValue(sources.Seed),
            };

            var resumePath = parse.GetValue(resume) is { } r ? CheckpointStore.Resolve(r) : null;
            if (resumePath is null && File.Exists(Path.Combine(checkpointDir, CheckpointStore.IndexName)))
                throw new OrtTuneException($"'{checkpointDir}' already holds the checkpoints of a run: continue it with --resume {checkpointDir}, " +
                                           "or give this run another --checkpoints folder (nothing was overwritten).");
            var startPath = resumePath ?? Path.Combine(artifacts, manifest.Files.Checkpoint);
            var start = CheckpointReader.Read(startPath);
            var state = resumePath is null ? null : TrainerState.ReadFrom(start.PropertyBag);
            using var session = SessionCheckpoints.Open(artifacts, start, startPath, config);
            var trainer = Parse(() => new Trainer(session, options));
            long? total = trainer.TotalSteps(train);

            var metricsFolder = parse.GetValue(metricsDir)?.FullName ?? checkpointDir;
            TrainingResult result;
            using (var log = MetricsLog.Open(metricsFolder, resumePath is null ? null : session.Step))
            {
                if (resumePath is not null) console.MarkupLine($"resuming from {Markup.Escape(resumePath)} at step {session.Step}" +
                                                               (state is null ? " (no trainer state: the data starts from epoch 0)" : $", epoch {state.Epoch + 1}"));
                if (manifest.Optimizer.Settings.GetValueOrDefault("maxGradNorm") is > 0 and var clip)
                    console.MarkupLine($"gradients clipped to global norm {clip} (set by prepare --max-grad-norm)");
                result = TrainingProgressView.Run(console, total, session.Step, report =>
                {
                    log.Report(report);
                }, progress => Parse(() => trainer.Run(train, eval, state, progress, cancellation)));
            }
            string? plot = MetricsPlot.TrySave(MetricsLog.Read(Path.Combine(metricsFolder, MetricsLog.CsvName)), Path.Combine(metricsFolder, "metrics.png"), console);

            string verb = result.Reason switch { StopReason.Cancelled => "stopped (Ctrl-C)", StopReason.EarlyStopped => "stopped early", _ => "done" };
            console.MarkupLine($"{verb} after step {result.Steps}: loss {result.FirstLoss:F4} → {result.LastLoss:F4}" +
                               (result.LastEval is { } m ? $"; eval {Markup.Escape(m.ToString())}" : ""));
            console.MarkupLine($"checkpoint {Markup.Escape(result.LastCheckpoint ?? "-")}" + (result.BestCheckpoint is { } b ? $"; best {Markup.Escape(b)}" : ""));
            console.MarkupLine($"metrics {Markup.Escape(Path.Combine(metricsFolder, MetricsLog.CsvName))}" + (plot is null ? "" : $", plot {Markup.Escape(plot)}"));
            return Task.FromResult(result.Cancelled ? Interrupted : 0);
        });
        return command;
    }

    /// <summary>
    /// The ort-training backend: ONNX Runtime's own training runtime on ORT-format artifacts (fails at start-up where its
    /// library is absent). It runs the first epoch's batches in a loop, without the trainer's schedule and evaluation.
    /// </summary>
    private static int TrainOrt(IAnsiConsole console, string artifacts, string? resume, OrtTune.Pipeline.Data.IBatchSource train, int steps, float lr,
        string checkpointPath, CancellationToken cancellation)
    {
        using var backend = OrtTrainingBackend.Open(artifacts, resume);
        var batches = train.Epoch(0).Select(b => b.Inputs).ToList();
        var (first, last, cancelled) = backend.Train(batches, steps, lr, checkpointPath,
            new SynchronousProgress<(long Step, float Loss)>(r => console.MarkupLine($"step {r.Step} loss {r.Loss:F4}")), cancellation);
        console.MarkupLine($"{(cancelled ? "stopped" : "done")} after step {backend.Step} (ort-training): loss {first:F4} → {last:F4}; checkpoint {Markup.Escape(checkpointPath)}");
        return cancelled ? Interrupted : 0;
    }

    /// <summary>Turns the trainer's argument errors (bad schedule, metric, counts) into user errors.</summary>
    private static T Parse<T>(Func<T> make)
    {
        try
        {
            return make();
        }
        catch (ArgumentException e)
        {
            throw new OrtTuneException(e.Message);
        }
    }
}

using System.CommandLine;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.TokenSelection;
using OrtTune.Pipeline.Training;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune train DIR --data FOLDER | --synthetic --vocab V`: the minimal training loop on prepared artifacts.</summary>
internal static class TrainCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Argument<DirectoryInfo>("artifacts") { Description = "Directory written by `orttune prepare`." };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder with one INPUT.npy per artifacts input (rows are cut into batches)." };
        var synthetic = new Option<bool>("--synthetic") { Description = "Train on generated random batches (smoke tests, timing)." };
        var vocab = new Option<long>("--vocab") { Description = "Token ids of generated batches lie in [0, VOCAB). Needed with --synthetic.", DefaultValueFactory = _ => 0 };
        var classes = new Option<long>("--classes") { Description = "Labels of generated classification batches lie in [0, CLASSES). Default 2.", DefaultValueFactory = _ => 2 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps. Default 10.", DefaultValueFactory = _ => 10 };
        var lr = new Option<float?>("--lr") { Description = "Learning rate. Default: the one recorded by prepare." };
        var accumulate = new Option<int>("--accumulate") { Description = "Micro-batches per optimizer step. Default 1.", DefaultValueFactory = _ => 1 };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "Where to save the checkpoint. Default: ARTIFACTS/checkpoints/last." };
        var resume = new Option<FileInfo?>("--resume") { Description = "Continue from this checkpoint (parameters, optimizer state and step)." };
        var saveEvery = new Option<int>("--save-every") { Description = "Also save every N steps. Default 0: only at the end.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of generated batches and of TokenTune's token selection. Default 0.", DefaultValueFactory = _ => 0 };
        var tokenSelect = new Option<string?>("--token-select") { Description = "TokenTune artifacts: p=RATIO or k=COUNT per example. Default: as prepared." };
        var command = new Command("train", "Train prepared artifacts with the portable backend (plain ONNX Runtime).");
        command.Arguments.Add(dir);
        foreach (var o in new Option[] { data, synthetic, vocab, classes, steps, lr, accumulate, checkpoint, resume, saveEvery, seed, tokenSelect }) command.Options.Add(o);
        command.SetAction((parse, cancellation) =>
        {
            var artifacts = parse.GetValue(dir)!.FullName;
            var manifest = ArtifactManifest.Load(artifacts);
            // TokenTune: the sampler fills the selection inputs, the data folder or generator the rest.
            var selection = TokenSelection.FromManifest(manifest, parse.GetValue(tokenSelect), parse.GetValue(seed));
            var dataManifest = selection is null ? manifest : TokenSelection.WithoutSelectionInputs(manifest, selection);
            List<List<NamedTensor>> batches;
            if (parse.GetValue(data) is { } folder) batches = BatchSource.FromNpyFolder(folder.FullName, dataManifest);
            else if (parse.GetValue(synthetic))
            {
                long v = parse.GetValue(vocab);
                if (v < 1) throw new OrtTuneException("--synthetic needs --vocab (the model's vocabulary size).");
                batches = BatchSource.Synthetic(dataManifest, 8, v, parse.GetValue(classes), parse.GetValue(seed));
            }
            else throw new OrtTuneException("train needs --data FOLDER or --synthetic --vocab V.");

            IReadOnlyList<IReadOnlyList<NamedTensor>> stepBatches = selection is null ? batches
                : TokenSelection.Draw(new TokenSelectionSource(new InMemoryBatchSource(batches), selection), parse.GetValue(steps) * parse.GetValue(accumulate));
            var checkpointPath = parse.GetValue(checkpoint)?.FullName ?? Path.Combine(artifacts, "checkpoints", "last");
            using var session = SessionCheckpoints.Open(artifacts, parse.GetValue(resume)?.FullName);
            var options = new TrainingLoopOptions
            {
                Steps = parse.GetValue(steps),
                LearningRate = parse.GetValue(lr) ?? (float)manifest.Optimizer.LearningRate,
                GradientAccumulation = parse.GetValue(accumulate),
                CheckpointPath = checkpointPath,
                SaveEvery = parse.GetValue(saveEvery),
            };
            TrainingResult result = null!;
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: options.Steps);
                    var progress = new SynchronousProgress<StepReport>(r =>
                    {
                        task.Description = $"step {r.Step} loss {r.Loss:F4}" + (r.GradNorm is { } g ? $" |g| {g:F3}" : "");
                        task.Increment(1);
                    });
                    result = TrainingLoop.Run(session, stepBatches, options, progress, cancellation);
                });
            console.MarkupLine($"{(result.Cancelled ? "stopped" : "done")} after step {result.Steps}: loss {result.FirstLoss:F4} → {result.LastLoss:F4}; " +
                               $"checkpoint {Markup.Escape(result.CheckpointPath ?? "-")}");
            return Task.FromResult(result.Cancelled ? 130 : 0);
        });
        return command;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag the bar).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using System.CommandLine;
using System.Text.Json;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Evaluation;
using OrtTune.Pipeline.Training;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune eval DIR [--checkpoint CKPT] (--data FOLDER | --synthetic --vocab V)`: eval-graph metrics of a checkpoint.</summary>
internal static class EvalCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Argument<DirectoryInfo>("artifacts") { Description = "Directory written by `orttune prepare`." };
        var checkpoint = new CheckpointOption();
        var sources = new BatchSourceOptions();
        var devices = new DeviceOptions();
        var batches = new Option<int?>("--eval-batches") { Description = "Evaluate on at most this many batches. Default: all." };
        var json = new Option<bool>("--json") { Description = "Print the metrics as one JSON object." };
        var command = new Command("eval", "Loss, accuracy, macro-F1 (classification) or perplexity (causal LM) of a checkpoint on eval data.");
        command.Arguments.Add(dir);
        command.Options.Add(checkpoint.Path);
        sources.AddTo(command, train: false);
        command.Options.Add(batches);
        command.Options.Add(json);
        devices.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var artifacts = parse.GetValue(dir)!.FullName;
            var manifest = ArtifactManifest.Load(artifacts);
            var config = devices.Read(parse);
            var source = sources.EvalOnly(parse, manifest, artifacts);
            var (path, state) = checkpoint.Read(parse, artifacts, manifest);
            using var session = SessionCheckpoints.Open(artifacts, state, path, config);
            var metrics = Evaluator.Run(session, source, parse.GetValue(batches), cancellation);
            if (parse.GetValue(json))
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(new
                {
                    checkpoint = path, step = session.Step, loss = metrics.Loss, accuracy = metrics.Accuracy, f1 = metrics.MacroF1,
                    perplexity = metrics.Perplexity, examples = metrics.Examples,
                }));
            else console.MarkupLine($"{Markup.Escape(path)} (step {session.Step}): {Markup.Escape(metrics.ToString())}");
            return Task.FromResult(0);
        });
        return command;
    }
}

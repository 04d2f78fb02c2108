using System.CommandLine;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Import;
using OrtTune.Graphs.Optimizers;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>
/// `orttune import-ort DIR --out OUT`: rebuild an ONNX Runtime training artifact set (eval model + checkpoint) as
/// portable artifacts that `orttune train` runs on plain ONNX Runtime.
/// </summary>
internal static class ImportOrtCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var source = new Argument<DirectoryInfo>("artifacts") { Description = "ONNX Runtime training artifact directory (eval_model.onnx, checkpoint; optimizer_model.onnx is read when present)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Portable artifacts directory to write.", Required = true };
        var optimizer = new Option<string?>("--optimizer") { Description = "adamw or sgd. Default: the settings of the set's optimizer_model.onnx (AdamW with onnxblock's defaults without one)." };
        var lr = new Option<double>("--lr") { Description = "Starting learning rate recorded in the artifacts. Default 1e-3 (ONNX Runtime's training default).", DefaultValueFactory = _ => 1e-3 };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Weight decay of the --optimizer given (AdamW default 0, SGD 0)." };
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint file name in the artifact directory. Default 'checkpoint'.", DefaultValueFactory = _ => "checkpoint" };
        var noDropout = new Option<bool>("--no-dropout") { Description = "Keep Dropout off in the training graph (deterministic steps). Default: on, as in ORT's training model." };
        var noState = new Option<bool>("--no-optimizer-state") { Description = "Start with fresh optimizer state instead of the checkpoint's." };
        var shapes = new ShapeOptions();
        var command = new Command("import-ort", "Rebuild an ONNX Runtime training artifact set as portable artifacts (OrtTune's own backward graph, plain ONNX Runtime).");
        command.Arguments.Add(source);
        foreach (var o in new Option[] { output, optimizer, lr, weightDecay, checkpoint, noDropout, noState }) command.Options.Add(o);
        shapes.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            double? wd = parse.GetValue(weightDecay);
            OptimizerOptions? optimizerOptions = parse.GetValue(optimizer) switch
            {
                null when wd is not null => throw new OrtTuneException("--weight-decay needs --optimizer (without it the optimizer model's settings are used as they are)."),
                null => null,
                "adamw" => OrtOptimizerSettings.OnnxblockDefaults with { WeightDecay = wd ?? 0 },
                "sgd" => new SgdOptions { WeightDecay = wd ?? 0 },
                var other => throw new OrtTuneException($"--optimizer must be adamw or sgd, got '{other}'."),
            };
            var options = new OrtImportOptions
            {
                Shapes = shapes.Read(parse, requireStatic: true) ?? new(),
                Optimizer = optimizerOptions,
                LearningRate = parse.GetValue(lr),
                CheckpointFile = parse.GetValue(checkpoint)!,
                TrainingDropout = !parse.GetValue(noDropout),
                CarryOptimizerState = !parse.GetValue(noState),
            };
            var dir = parse.GetValue(output)!.FullName;
            var result = console.Status().Start("importing", ctx =>
                OrtArtifactImporter.Import(parse.GetValue(source)!.FullName, dir, options, new Progress<string>(s => ctx.Status(s)), cancellation));
            var m = result.Manifest;
            long count = m.Trainable.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            console.MarkupLine($"wrote {Markup.Escape(dir)} from a version {result.SourceCheckpointVersion} checkpoint: {m.Trainable.Count} trainable tensors " +
                               $"({count:N0} values), {m.Frozen.Count} frozen; loss '{Markup.Escape(m.LossName)}'; optimizer {m.Optimizer.Kind} from {Markup.Escape(result.OptimizerSource)}" +
                               (result.CarriedOptimizerStep is { } step ? $", optimizer state carried over at step {step}" : "") +
                               (result.TrainingDropoutNodes > 0 ? $"; {result.TrainingDropoutNodes} Dropout node(s) train in training mode" : "") +
                               $"; inputs {Markup.Escape(string.Join(", ", m.Inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]")))}");
            return Task.FromResult(0);
        });
        return command;
    }
}

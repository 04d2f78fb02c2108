using System.CommandLine;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Export;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune export DIR [--checkpoint CKPT] --out model.onnx`: the trained model as a plain inference ONNX model.</summary>
internal static class ExportCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Argument<DirectoryInfo>("artifacts") { Description = "Directory written by `orttune prepare`." };
        var checkpoint = new CheckpointOption();
        var output = new Option<FileInfo>("--out") { Description = "The inference model to write.", Required = true };
        var command = new Command("export",
            "Write a merged inference model: trained parameters baked in, LoRA merged, loss removed; its output equals the eval graph's prediction.");
        command.Arguments.Add(dir);
        command.Options.Add(checkpoint.Path);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var artifacts = parse.GetValue(dir)!.FullName;
            var manifest = ArtifactManifest.Load(artifacts);
            var (path, state) = checkpoint.Read(parse, artifacts, manifest);
            var target = parse.GetValue(output)!.FullName;
            var model = InferenceExport.Write(artifacts, state, target);
            var g = model.Graph;
            console.MarkupLine($"wrote {Markup.Escape(target)} from {Markup.Escape(path)}: inputs " +
                               Markup.Escape(string.Join(", ", g.Inputs.Select(v => $"{v.Name}[{string.Join(",", OrtTune.Graphs.Autodiff.OpBuilder.StaticShape(v))}]"))) +
                               $", output {Markup.Escape(string.Join(", ", g.Outputs.Select(v => v.Name)))}, {g.Initializers.Count} initializers");
            return 0;
        });
        return command;
    }
}

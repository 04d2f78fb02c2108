using System.CommandLine;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune specialize MODEL --out FILE --batch B --seq S`: fix input sizes and fold until every shape is static.</summary>
internal static class SpecializeCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model file (external data is read from its folder)." };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the static model.", Required = true };
        var external = new Option<ExternalDataMode>("--external-data")
        {
            Description = "Where weights go: auto (external where they were, or when over 2 GB), always, never.",
            DefaultValueFactory = _ => ExternalDataMode.Auto,
        };
        var shapes = new ShapeOptions();
        var command = new Command("specialize", "Fix batch and sequence sizes, then fold shape subgraphs until every shape is static.");
        command.Arguments.Add(model);
        command.Options.Add(output);
        command.Options.Add(external);
        shapes.AddTo(command);
        command.SetAction(parse =>
        {
            var options = shapes.Read(parse, requireStatic: true)
                ?? throw new OrtTuneException("specialize needs at least one of --batch, --seq or --dim.");
            var source = parse.GetValue(model)!;
            var target = parse.GetValue(output)!;
            var loaded = OnnxModelIO.Load(source.FullName);
            int before = loaded.Graph.NodeCount;
            var result = new Specialization(options).Run(loaded);
            OnnxModelIO.Save(loaded, target.FullName, new SaveOptions { ExternalData = parse.GetValue(external) });
            console.MarkupLine($"{Markup.Escape(result.Summary)}; {before} → {loaded.Graph.NodeCount} nodes");
            foreach (var input in loaded.Graph.Inputs.Where(v => !v.IsInitializer))
                console.MarkupLine($"  input  {Markup.Escape(input.Name)}: {Markup.Escape(input.Type?.ToString() ?? "?")}");
            foreach (var o in loaded.Graph.Outputs)
                console.MarkupLine($"  output {Markup.Escape(o.Name)}: {Markup.Escape(o.Type?.ToString() ?? "?")}");
            console.MarkupLine($"wrote {Markup.Escape(target.FullName)}");
            return 0;
        });
        return command;
    }
}

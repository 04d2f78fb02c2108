using System.CommandLine;
using System.Text.Json;
using OrtTune.Cli.Rendering;
using OrtTune.Graphs.Analysis;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Shapes;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune inspect MODEL [--batch B --seq S] [--json]`: what a model holds and what later stages will make of it.</summary>
internal static class InspectCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<FileInfo>("model") { Description = "The ONNX model file (external data is read from its folder)." };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON instead of tables." };
        var shapes = new ShapeOptions();
        var command = new Command("inspect", "Show a model's inputs and outputs, op histogram, parameters, dynamic dimensions and ops later stages cannot differentiate.");
        command.Arguments.Add(model);
        command.Options.Add(json);
        shapes.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetValue(model)!;
            var loaded = OnnxModelIO.Load(file.FullName);
            var specialization = shapes.Read(parse, requireStatic: false);
            var inference = new ShapeInferenceOptions { UnknownOpsAsUnknownShapes = true };
            if (specialization is not null)
                new Specialization(specialization with { Inference = inference }).Run(loaded);
            var result = ShapeInference.Run(loaded, inference);
            var summary = ModelSummary.Create(loaded, result);
            if (parse.GetValue(json))
                console.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(summary, JsonOptions));
            else
                SummaryRenderer.Render(console, file.Name, summary);
            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

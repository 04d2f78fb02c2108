using OrtTune.Graphs.Analysis;
using Spectre.Console;

namespace OrtTune.Cli.Rendering;

/// <summary>Draws a <see cref="ModelSummary"/> as a few terminal tables.</summary>
internal static class SummaryRenderer
{
    public static void Render(IAnsiConsole console, string title, ModelSummary s)
    {
        console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        console.MarkupLine($"producer [grey]{Markup.Escape(s.Producer)}[/], IR version {s.IrVersion}, opsets " +
                           Markup.Escape(string.Join(", ", s.Opsets.Select(p => $"{p.Key} {p.Value}"))));
        console.MarkupLine($"{s.NodeCount} nodes; parameters: {s.ParameterCount:N0} in {s.ParameterTensors} tensors ({Bytes(s.ParameterBytes)}); " +
                           $"other constants: {s.ConstantTensors} tensors ({Bytes(s.ConstantBytes)})");

        var io = new Table().AddColumns("", "name", "type", "shape", "dynamic dims");
        foreach (var v in s.Inputs) io.AddRow("input", Markup.Escape(v.Name), v.ElemType, Markup.Escape(v.Shape), Markup.Escape(string.Join(" ", v.DynamicDims)));
        foreach (var v in s.Outputs) io.AddRow("output", Markup.Escape(v.Name), v.ElemType, Markup.Escape(v.Shape), Markup.Escape(string.Join(" ", v.DynamicDims)));
        console.Write(io);
        console.MarkupLine(s.DynamicValueCount == 0
            ? "every intermediate shape is static"
            : $"{s.DynamicValueCount} intermediate values have dynamic shapes (fix them with --batch/--seq/--dim)");

        var ops = new Table().AddColumns("op", "count", "on gradient path");
        var onPath = s.GradientPathOps.ToDictionary(p => p.Key, p => p.Value);
        foreach (var (op, count) in s.OpHistogram)
            ops.AddRow(Markup.Escape(op), count.ToString(), onPath.TryGetValue(op, out var n) ? n.ToString() : "");
        console.Write(ops);

        if (s.Problems.Count == 0)
            console.MarkupLine("[green]every op on the gradient path has a gradient rule[/]");
        else
        {
            var problems = new Table().AddColumns("node", "op", "problem");
            foreach (var p in s.Problems) problems.AddRow(Markup.Escape(p.Node), Markup.Escape(p.Op), Markup.Escape(p.Note));
            console.Write(problems);
        }
    }

    private static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.00} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };
}

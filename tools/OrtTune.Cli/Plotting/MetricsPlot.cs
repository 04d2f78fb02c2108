using OrtTune.Artifacts;
using OrtTune.Pipeline.Metrics;
using ScottPlot;
using Spectre.Console;

namespace OrtTune.Cli.Plotting;

/// <summary>
/// Draws a run's metrics to a PNG with ScottPlot (rendered by SkiaSharp off-screen: no display needed): training loss
/// and eval loss against the step with the learning rate on the right axis, and below it the eval metrics the loss
/// kind has (accuracy, macro-F1, perplexity).
/// </summary>
internal static class MetricsPlot
{
    public static void Save(IReadOnlyList<MetricRecord> records, string path, int width = 1000, int height = 800)
    {
        var train = records.Where(r => r.Phase == "train" && r.Loss is not null).ToList();
        var eval = records.Where(r => r.Phase == "eval").ToList();
        if (train.Count == 0) throw new InvalidDataException("No training step to plot.");

        var multiplot = new Multiplot();
        bool evalPanel = eval.Any(r => r.EvalAccuracy is not null || r.EvalF1 is not null || r.EvalPerplexity is not null);
        multiplot.AddPlots(evalPanel ? 2 : 1);
        var top = multiplot.GetPlot(0);
        Line(top, train, r => r.Loss, "train loss");
        Line(top, eval, r => r.EvalLoss, "eval loss", markers: true);
        if (train.Any(r => r.LearningRate is not null))
        {
            var lr = Line(top, train, r => r.LearningRate, "learning rate");
            lr!.Axes.YAxis = top.Axes.Right;
            top.Axes.Right.Label.Text = "learning rate";
        }
        top.Title("Training");
        top.XLabel("optimizer step");
        top.YLabel("loss");
        top.ShowLegend(Alignment.UpperRight);
        if (evalPanel)
        {
            var bottom = multiplot.GetPlot(1);
            Line(bottom, eval, r => r.EvalAccuracy, "eval accuracy", markers: true);
            Line(bottom, eval, r => r.EvalF1, "eval macro-F1", markers: true);
            if (Line(bottom, eval, r => r.EvalPerplexity, "eval perplexity", markers: true) is { } ppl)
            {
                ppl.Axes.YAxis = bottom.Axes.Right;
                bottom.Axes.Right.Label.Text = "perplexity";
            }
            bottom.Title("Evaluation");
            bottom.XLabel("optimizer step");
            bottom.ShowLegend(Alignment.LowerRight);
        }
        var image = multiplot.Render(width, height);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }

    /// <summary>Saves the plot, or says why it could not (a missing native SkiaSharp library must not fail the run).</summary>
    public static string? TrySave(IReadOnlyList<MetricRecord> records, string path, IAnsiConsole console)
    {
        try
        {
            Save(records, path);
            return path;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidDataException)
        {
            console.MarkupLine($"[yellow]no plot:[/] {Markup.Escape(e.Message)}");
            return null;
        }
    }

    private static ScottPlot.Plottables.Scatter? Line(Plot plot, IReadOnlyList<MetricRecord> rows, Func<MetricRecord, double?> value, string label, bool markers = false)
    {
        var points = rows.Where(r => value(r) is { } v && double.IsFinite(v)).ToList();
        if (points.Count == 0) return null;
        var line = plot.Add.Scatter(points.Select(r => (double)r.Step).ToArray(), points.Select(r => value(r)!.Value).ToArray());
        line.LegendText = label;
        line.MarkerSize = markers || points.Count == 1 ? 6 : 0;
        return line;
    }
}

using OrtTune.Pipeline.Training;
using Spectre.Console;

namespace OrtTune.Cli.Rendering;

/// <summary>The training progress bar: step, loss, learning rate, gradient norm, tokens/s, memory and ETA; eval results above it.</summary>
internal static class TrainingProgressView
{
    public static TrainingResult Run(IAnsiConsole console, long? totalSteps, long startStep, Action<TrainerReport> alsoReport,
        Func<IProgress<TrainerReport>, TrainingResult> train)
    {
        TrainingResult result = null!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: Math.Max(1, (totalSteps ?? 0) - startStep));
                task.IsIndeterminate = totalSteps is null;
                var progress = new SynchronousProgress<TrainerReport>(report =>
                {
                    alsoReport(report);
                    switch (report)
                    {
                        case StepReport s:
                            task.Description = Markup.Escape(
                                $"step {s.Step}{(s.TotalSteps is { } t ? "/" + t : "")} loss {s.Loss:F4} lr {s.LearningRate:0.##e+0}" +
                                (s.GradNorm is { } g ? $" |g| {g:F3}" : "") + $" {s.TokensPerSecond:N0} tok/s {s.RssBytes / 1048576.0:N0} MB (peak {s.PeakRssBytes / 1048576.0:N0})");
                            task.Value = s.Step - startStep;
                            break;
                        case EvalReport e:
                            console.MarkupLine($"step {e.Step}: eval {Markup.Escape(e.Metrics.ToString())}{(e.IsBest ? " [green](best)[/]" : "")}");
                            break;
                    }
                });
                result = train(progress);
                task.StopTask();
            });
        return result;
    }
}

using System.CommandLine;
using OrtTune.Cli.Commands;
using OrtTune.Graphs.Diagnostics;
using Spectre.Console;

namespace OrtTune.Cli;

/// <summary>The `orttune` command line. <see cref="Run"/> is the whole program, callable in-process by tests.</summary>
public static class OrtTuneCli
{
    /// <summary>Exit code for a user error (bad model, bad option value): the message says what to fix.</summary>
    public const int UserError = 1;

    /// <summary>ONNX Runtime refused or failed a model at run time (its message says where).</summary>
    public const int RuntimeError = 3;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var console = CreateConsole(output);
        var root = new RootCommand("OrtTune: fine-tune transformer ONNX models on the device from .NET.");
        root.Subcommands.Add(InspectCommand.Create(console));
        root.Subcommands.Add(SpecializeCommand.Create(console));
        root.Subcommands.Add(PrepareCommand.Create(console));
        root.Subcommands.Add(TrainCommand.Create(console));
        root.Subcommands.Add(EvalCommand.Create(console));
        root.Subcommands.Add(ExportCommand.Create(console));
        root.Subcommands.Add(GenerateCommand.Create(console));
        root.Subcommands.Add(ImportOrtCommand.Create(console));
        root.Subcommands.Add(GnnCommand.Create(console));
        var config = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            // Ctrl-C / SIGTERM cancel the command's token; training then saves a checkpoint, which may take a while.
            ProcessTerminationTimeout = TimeSpan.FromMinutes(2),
        };
        try
        {
            return root.Parse(args).Invoke(config);
        }
        catch (OrtTuneException e)
        {
            error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OrtTune.Artifacts.ArtifactFormatException
                                       or OrtTune.Artifacts.Checkpoints.CheckpointFormatException or OrtTune.Pipeline.Training.DivergedException
                                       or OrtTune.Pipeline.Runtime.DeviceUnavailableException)
        {
            error.WriteLine($"error: {e.Message}");
            return UserError;
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            // A failing node (bad shapes, a kernel error) would otherwise end in an unhandled-exception dump.
            error.WriteLine($"error: ONNX Runtime: {e.Message}");
            return RuntimeError;
        }
    }

    private static IAnsiConsole CreateConsole(TextWriter output)
    {
        bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }
}

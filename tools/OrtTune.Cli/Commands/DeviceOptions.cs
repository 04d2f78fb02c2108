using System.CommandLine;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Cli.Commands;

/// <summary>--device cpu|cuda and --threads: how the commands that run graphs create ONNX Runtime sessions.</summary>
internal sealed class DeviceOptions
{
    public Option<string> Device { get; } = new("--device") { Description = "cpu (default) or cuda (needs the ONNX Runtime GPU runtime).", DefaultValueFactory = _ => "cpu" };
    public Option<int> Threads { get; } = new("--threads") { Description = "Threads per operator. Default 0: one per core.", DefaultValueFactory = _ => 0 };

    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>The session settings asked for; CUDA is checked here so a missing GPU runtime fails before any work.</summary>
    public SessionConfig Read(ParseResult parse)
    {
        var device = (parse.GetValue(Device) ?? "cpu").ToLowerInvariant() switch
        {
            "cpu" => ExecutionDevice.Cpu,
            "cuda" or "gpu" => ExecutionDevice.Cuda,
            var other => throw new OrtTuneException($"--device must be cpu or cuda, got '{other}'."),
        };
        int threads = parse.GetValue(Threads);
        if (threads < 0) throw new OrtTuneException($"--threads cannot be negative, got {threads}.");
        var config = new SessionConfig { Device = device, IntraOpThreads = threads };
        // Fails with DeviceUnavailableException (what to install) when the CUDA provider is absent.
        SessionFactory.CreateOptions(config).Dispose();
        return config;
    }
}

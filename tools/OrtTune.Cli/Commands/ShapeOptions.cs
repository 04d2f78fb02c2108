using System.CommandLine;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Passes;

namespace OrtTune.Cli.Commands;

/// <summary>The --batch, --seq and --dim options that fix a model's dynamic dimensions; shared by commands that specialise.</summary>
internal sealed class ShapeOptions
{
    public Option<long?> Batch { get; } = new("--batch") { Description = "Batch size: fixes axis 0 of every input whose axis 0 is dynamic." };
    public Option<long?> Sequence { get; } = new("--seq") { Description = "Sequence length: fixes axis 1 of every input whose axis 1 is dynamic." };
    public Option<string[]> Dims { get; } = new("--dim")
    {
        Description = "Fix a named dimension, NAME=SIZE (repeatable), e.g. --dim past_sequence_length=0.",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Batch);
        command.Options.Add(Sequence);
        command.Options.Add(Dims);
    }

    /// <summary>The specialisation asked for, or null when no dimension was given.</summary>
    public SpecializationOptions? Read(ParseResult result, bool requireStatic)
    {
        long? batch = result.GetValue(Batch), seq = result.GetValue(Sequence);
        var dims = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var item in result.GetValue(Dims) ?? [])
        {
            var parts = item.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !long.TryParse(parts[1], out var size) || size < 0)
                throw new OrtTuneException($"--dim expects NAME=SIZE with a non-negative size, got '{item}'.");
            dims[parts[0]] = size;
        }
        if (batch is < 1) throw new OrtTuneException($"--batch must be at least 1, got {batch}.");
        if (seq is < 1) throw new OrtTuneException($"--seq must be at least 1, got {seq}.");
        if (batch is null && seq is null && dims.Count == 0) return null;
        return new SpecializationOptions { Batch = batch, Sequence = seq, Dims = dims, RequireStatic = requireStatic };
    }
}

using System.CommandLine;
using System.Globalization;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Export;
using OrtTune.Graphs.Onnx;
using OrtTune.Pipeline.Generation;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune generate DIR [--checkpoint CKPT] --prompt-ids 1,2,3`: sample tokens from a trained causal LM.</summary>
internal static class GenerateCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var dir = new Argument<DirectoryInfo>("artifacts") { Description = "Directory written by `orttune prepare --loss causal-lm`." };
        var checkpoint = new CheckpointOption();
        var model = new Option<FileInfo?>("--model") { Description = "An exported inference model to sample from instead of merging the checkpoint now." };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Comma-separated token ids of the prompt." };
        var promptText = new Option<string?>("--prompt") { Description = "Prompt text, encoded with the artifacts' tokenizer (prepare --tokenizer); the text is printed." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens to generate. Default 32.", DefaultValueFactory = _ => 32 };
        var temperature = new Option<float>("--temperature") { Description = "0 (default) = greedy; higher samples more freely.", DefaultValueFactory = _ => 0 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the K most likely tokens. Default 0: all.", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Sampling seed. Default 0.", DefaultValueFactory = _ => 0 };
        var stop = new Option<long?>("--stop-id") { Description = "Stop after this token id (e.g. end of sequence)." };
        var devices = new DeviceOptions();
        var command = new Command("generate", "Sample token ids from a trained causal LM (greedy, temperature, top-k; seeded).");
        command.Arguments.Add(dir);
        foreach (var o in new Option[] { checkpoint.Path, model, promptIds, promptText, maxTokens, temperature, topK, seed, stop }) command.Options.Add(o);
        devices.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var artifacts = parse.GetValue(dir)!.FullName;
            var manifest = ArtifactManifest.Load(artifacts);
            if (!manifest.LossKind.Contains("CausalLM", StringComparison.Ordinal))
                throw new OrtTuneException($"generate needs causal-LM artifacts; these were prepared with the {manifest.LossKind} loss.");
            var text = parse.GetValue(promptText);
            var tokenizer = text is null ? null : DataOptions.OpenTokenizer(manifest, artifacts);
            var prompt = tokenizer is not null ? Encode(tokenizer, text!)
                : ParseIds(parse.GetValue(promptIds) ?? throw new OrtTuneException("generate needs --prompt TEXT or --prompt-ids (comma-separated token ids)."));
            var config = devices.Read(parse);
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature), TopK = parse.GetValue(topK),
                Seed = parse.GetValue(seed), StopToken = parse.GetValue(stop),
            };
            try
            {
                using var generator = parse.GetValue(model) is { } file
                    ? new CausalLmGenerator(file.FullName, config)
                    : new CausalLmGenerator(OnnxModelIO.ToBytes(InferenceExport.Build(artifacts, checkpoint.Read(parse, artifacts, manifest).checkpoint)), config);
                var ids = generator.Generate(prompt, options, cancellation);
                console.Profile.Out.Writer.WriteLine(tokenizer is null
                    ? string.Join(",", ids)
                    // Decoded with the prompt: tokenizers drop a word's leading space at the start of a text.
                    : tokenizer.Decode(prompt.Concat(ids).Where(id => id != tokenizer.Special.Eos && id != tokenizer.Special.Bos).Select(id => (int)id)));
            }
            catch (ArgumentException e)
            {
                throw new OrtTuneException(e.Message);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>The prompt's ids as the model saw them in training: BOS first when the tokenizer adds one.</summary>
    private static List<long> Encode(OrtTune.Pipeline.Text.ITokenizer tokenizer, string text)
    {
        var ids = new List<long>();
        if (tokenizer.Special is { AddBos: true, Bos: { } bos }) ids.Add(bos);
        ids.AddRange(tokenizer.Encode(text).Select(id => (long)id));
        if (ids.Count == 0) throw new OrtTuneException("--prompt encodes to no tokens.");
        return ids;
    }

    private static List<long> ParseIds(string text)
    {
        var ids = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            ids.Add(long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
                ? id : throw new OrtTuneException($"--prompt-ids expects comma-separated integers, got '{part}'."));
        if (ids.Count == 0) throw new OrtTuneException("--prompt-ids is empty.");
        return ids;
    }
}

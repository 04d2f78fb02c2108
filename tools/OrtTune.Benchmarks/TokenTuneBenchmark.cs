using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.TokenSelection;

namespace OrtTune.Benchmarks;

/// <summary>
/// Issue 6: TokenTune's activation memory and step time against full fine-tuning and LoRA, on a BERT-base-shaped
/// encoder and a Llama-shaped decoder (12 layers, d 768) at sequence 512. Every configuration is built here and
/// measured in a fresh process (StepMeasurement, CPU arena off), one after another in one run, so the ratios compare
/// runs taken side by side.
/// </summary>
internal static class TokenTuneBenchmark
{
    public const float LearningRate = 5e-5f;

    /// <summary>The ratios measured; null stands for the baseline without TokenTune.</summary>
    public static readonly double?[] DefaultRatios = [null, 1, 0.5, 0.3, 0.25, 0.1];

    public sealed record Settings
    {
        /// <summary>Folder written by tools/bench/tokentune_models.py: bert/ and llama/, each with model.onnx and the batch.</summary>
        public required string Models { get; init; }
        public required string Out { get; init; }
        public int Steps { get; init; } = 2;
        public int Threads { get; init; } = 2;
        public IReadOnlyList<string> Architectures { get; init; } = ["bert", "llama"];
        public IReadOnlyList<string> Trainings { get; init; } = ["full", "lora"];
        public IReadOnlyList<double?> Ratios { get; init; } = DefaultRatios;
        public string? Command { get; init; }
    }

    /// <summary>One measured configuration.</summary>
    public sealed record Config(string Architecture, string Training, double? Ratio)
    {
        public string Name => $"{Architecture}-{Training}-{(Ratio is { } p ? "p" + p.ToString(CultureInfo.InvariantCulture) : "base")}";
    }

    /// <summary>
    /// glibc keeps freed blocks below its (self-raising, up to 32 MB) mmap threshold in the heap, so memory freed by
    /// the warm-up step stays resident and a later step can peak without the resident set growing. A fixed 64 KiB
    /// threshold maps every large tensor on its own and returns it when freed: peak minus before is then the step's own.
    /// </summary>
    private static readonly Dictionary<string, string> HeapReturnsFreedMemory = new() { ["MALLOC_MMAP_THRESHOLD_"] = "65536" };

    public static int Run(Settings s)
    {
        var models = Path.GetFullPath(s.Models);
        var work = Path.Combine(Path.GetTempPath(), "orttune-bench-tokentune-" + Environment.ProcessId);
        Directory.CreateDirectory(s.Out);
        var runs = new JsonArray();
        try
        {
            foreach (var arch in s.Architectures)
            foreach (var training in s.Trainings)
            foreach (var ratio in s.Ratios)
            {
                var config = new Config(arch, training, ratio);
                var modelDir = Path.Combine(models, arch);
                var artifacts = Path.Combine(work, config.Name);
                var batch = Path.Combine(work, config.Name + "-batch");
                var build = Stopwatch.StartNew();
                var manifest = Prepare(config, Path.Combine(modelDir, "model.onnx"), artifacts);
                build.Stop();
                WriteBatch(modelDir, manifest, batch);
                var run = BertBaseBenchmark.Measure(["measure", "--artifacts", artifacts, "--batch", batch, "--steps", s.Steps.ToString(CultureInfo.InvariantCulture),
                    "--arena", "off", "--threads", s.Threads.ToString(CultureInfo.InvariantCulture)], HeapReturnsFreedMemory);
                run["config"] = config.Name;
                run["architecture"] = arch;
                run["training"] = training;
                run["ratio"] = ratio;
                run["selected"] = manifest.Methods.TryGetValue("tokentune", out var tt) ? int.Parse(tt["selected"], CultureInfo.InvariantCulture) : null;
                run["sequence"] = manifest.Inputs.First(i => i.Name == "input_ids").Shape[1];
                run["batch"] = manifest.Inputs.First(i => i.Name == "input_ids").Shape[0];
                run["trainable_values"] = manifest.Trainable.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
                run["build_s"] = build.Elapsed.TotalSeconds;
                runs.Add(run);
                Directory.Delete(artifacts, recursive: true);
                Directory.Delete(batch, recursive: true);
                // Partial results survive an interrupted run.
                Save(s, runs);
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
        var report = Save(s, runs);
        Console.WriteLine(report);
        return 0;
    }

    private static string Save(Settings s, JsonArray runs)
    {
        var result = new JsonObject
        {
            ["benchmark"] = "tokentune",
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["machine"] = BertBaseBenchmark.Machine(),
            ["load_average"] = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
            ["command"] = s.Command,
            ["runs"] = runs.DeepClone(),
        };
        var json = Path.Combine(s.Out, "tokentune.json");
        File.WriteAllText(json, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        return TokenTuneReport.Write(result, s.Out);
    }

    /// <summary>The artifacts of one configuration: the model's own loss, AdamW, LoRA as the reference (r 8, alpha 16).</summary>
    public static ArtifactManifest Prepare(Config c, string model, string artifacts)
    {
        // A model folder named llama* holds the decoder (e.g. llama-b4: the same model with a batch of 4).
        bool decoder = c.Architecture.StartsWith("llama", StringComparison.Ordinal);
        var batchDir = Path.GetDirectoryName(model)!;
        var ids = NpyFile.Read(Path.Combine(batchDir, "input_ids.npy"));
        BertBaseBenchmark.Log($"building {c.Name}");
        return ArtifactBuilder.Build(model, artifacts, new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = ids.Dims[0], Sequence = ids.Dims[1] },
            Loss = new LossOptions(decoder ? LossKind.CausalLMCrossEntropy : LossKind.SequenceClassificationCrossEntropy),
            Optimizer = new AdamWOptions(),
            LearningRate = LearningRate,
            // The reference's LoRA: the MLP of Llama (gate, up, down), BERT's query and value (the usual default).
            // qlora: LoRA over a base whose frozen weights are held in int8 (the paper's QLoRA comparison, in standard ops).
            Lora = c.Training is "lora" or "qlora"
                ? new LoraOptions { Rank = 8, Alpha = 16, Targets = decoder ? ["*gate_proj*", "*up_proj*", "*down_proj*"] : LoraOptions.DefaultTargets }
                : null,
            TokenTune = c.Ratio is { } p ? new TokenTuneOptions { Ratio = p } : null,
            QuantizeFrozen = c.Training == "qlora" ? new FrozenWeightQuantizationOptions() : null,
        });
    }

    /// <summary>The model's batch plus, for TokenTune, one selection drawn by the runner's sampler.</summary>
    private static void WriteBatch(string modelDir, ArtifactManifest manifest, string folder)
    {
        Directory.CreateDirectory(folder);
        var selection = TokenSelection.FromManifest(manifest);
        var data = (selection is null ? manifest : TokenSelection.WithoutSelectionInputs(manifest, selection)).Inputs
            .Select(i => NpyFile.Read(Path.Combine(modelDir, i.Name + ".npy"), i.Name)).ToList();
        var tensors = data;
        if (selection is not null)
            tensors = new TokenSelectionSource(new InMemoryBatchSource([data]), selection).Epoch(0).Single().Inputs.ToList();
        foreach (var t in tensors) WriteNpy(Path.Combine(folder, t.Name + ".npy"), t);
    }

    /// <summary>A C-order .npy (format 1.0) of an int64 or float32 tensor.</summary>
    private static void WriteNpy(string path, NamedTensor t)
    {
        string descr = t.ElementType switch
        {
            TensorElementType.Int64 => "<i8",
            TensorElementType.Float => "<f4",
            _ => throw new ArgumentException($"No .npy writer for {t.ElementType}."),
        };
        string shape = t.Dims.Count == 1 ? $"({t.Dims[0]},)" : "(" + string.Join(", ", t.Dims) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(t.RawData.Span);
    }
}

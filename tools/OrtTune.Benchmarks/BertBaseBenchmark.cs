using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Training;

namespace OrtTune.Benchmarks;

/// <summary>
/// Issue 4: one full fine-tuning step of BERT-base (batch 8, seq 128, 2 labels, AdamW), OrtTune vs PyTorch on the
/// same architecture, weights and batch. Builds the artifacts here, then measures every configuration in a fresh
/// process (so no run inherits another's peak), interleaving OrtTune and PyTorch runs round by round.
/// </summary>
internal static class BertBaseBenchmark
{
    public const int Batch = 8, Sequence = 128;
    public const float LearningRate = 5e-5f;

    public sealed record Settings
    {
        public required string Model { get; init; }
        public required string Out { get; init; }
        public int Steps { get; init; } = 3;
        public int Rounds { get; init; } = 2;
        public int Threads { get; init; } = 2;
        public string? Artifacts { get; init; }
        public string Python { get; init; } = "/usr/bin/python3";
        public string? Peer { get; init; }
        public bool RunPeer { get; init; } = true;
        public bool Profile { get; init; } = true;
        public string? Command { get; init; }
    }

    public static int Run(Settings s)
    {
        var model = Path.GetFullPath(s.Model);
        var batchFolder = Path.GetDirectoryName(model)!;
        foreach (var f in new[] { "input_ids", "attention_mask", "token_type_ids", "labels" })
            if (!File.Exists(Path.Combine(batchFolder, f + ".npy")))
                throw new FileNotFoundException($"{f}.npy is missing beside the model; export with tools/bench/bert_base_peer.py export.");
        var artifacts = s.Artifacts is null
            ? Path.Combine(Path.GetTempPath(), "orttune-bench-bert-base-" + Environment.ProcessId)
            : Path.GetFullPath(s.Artifacts);
        var peer = s.Peer ?? Path.Combine(RepoRoot(), "tools", "bench", "bert_base_peer.py");
        Directory.CreateDirectory(s.Out);

        var build = Stopwatch.StartNew();
        Prepare(model, artifacts);
        build.Stop();
        long buildPeak = Pipeline.Diagnostics.PeakMemory.PeakBytes();

        var runs = new JsonArray();
        for (int r = 1; r <= s.Rounds; r++)
        {
            Log($"round {r}/{s.Rounds}");
            // Memory runs (ORT arena off; PyTorch with freed heap handed back before each step), then time runs (each side as it runs by default).
            runs.Add(Tag(Self(["measure", "--artifacts", artifacts, "--batch", batchFolder, "--steps", s.Steps.ToString(), "--arena", "off", "--threads", s.Threads.ToString()]), r));
            if (s.RunPeer) runs.Add(Tag(Child(s.Python, [peer, "measure", "--steps", s.Steps.ToString(), "--threads", s.Threads.ToString(), "--trim"]), r));
            runs.Add(Tag(Self(["measure", "--artifacts", artifacts, "--batch", batchFolder, "--steps", s.Steps.ToString(), "--arena", "on", "--threads", s.Threads.ToString()]), r));
            if (s.RunPeer) runs.Add(Tag(Child(s.Python, [peer, "measure", "--steps", s.Steps.ToString(), "--threads", s.Threads.ToString()]), r));
        }

        string? profile = null;
        if (s.Profile)
        {
            Log("profiling the training graph (ORT session profiling, arena on)");
            var prefix = Path.Combine(artifacts, "profile_");
            profile = SelfText(["profile", "--artifacts", artifacts, "--batch", batchFolder, "--threads", s.Threads.ToString(), "--prefix", prefix]);
        }

        var result = new JsonObject
        {
            ["benchmark"] = "bert-base-step",
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"),
            ["model"] = model,
            ["model_bytes"] = new FileInfo(model).Length,
            ["batch"] = Batch,
            ["sequence"] = Sequence,
            ["learning_rate"] = (double)LearningRate,
            ["artifact_build_s"] = build.Elapsed.TotalSeconds,
            ["artifact_build_peak_bytes"] = buildPeak,
            ["machine"] = Machine(),
            ["command"] = s.Command,
            ["runs"] = runs,
            ["profile"] = profile,
        };
        var report = Report.BertBase(result, profile);
        var jsonPath = Path.Combine(s.Out, "bert-base-step.json");
        File.WriteAllText(jsonPath, result.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        var mdPath = Path.Combine(s.Out, "bert-base-step.md");
        File.WriteAllText(mdPath, report);
        Console.WriteLine(report);
        Log($"wrote {mdPath} and {jsonPath}");
        if (s.Artifacts is null) Directory.Delete(artifacts, recursive: true);
        return 0;
    }

    /// <summary>Writes the Markdown page again from a saved bert-base-step.json (e.g. after the page's wording changed).</summary>
    public static int Rewrite(string jsonPath)
    {
        var result = (JsonObject)JsonNode.Parse(File.ReadAllText(jsonPath))!;
        var md = Path.ChangeExtension(jsonPath, ".md");
        File.WriteAllText(md, Report.BertBase(result, (string?)result["profile"]));
        Log($"wrote {md}");
        return 0;
    }

    /// <summary>The artifacts of the benchmark: sequence-classification cross-entropy, AdamW as the peer's, all parameters trained.</summary>
    public static void Prepare(string model, string artifacts)
    {
        var build = Stopwatch.StartNew();
        Log($"building artifacts for {model} into {artifacts}");
        ArtifactBuilder.Build(model, artifacts, new ArtifactOptions
        {
            Shapes = new SpecializationOptions { Batch = Batch, Sequence = Sequence },
            Loss = new LossOptions(LossKind.SequenceClassificationCrossEntropy),
            Optimizer = new AdamWOptions(), // torch.optim.AdamW(lr, betas (0.9, 0.999), eps 1e-8, weight decay 0.01), as the peer
            LearningRate = LearningRate,
        }, new Progress<string>(m => Log("  " + m)));
        Log($"artifacts built in {build.Elapsed.TotalSeconds:F1} s");
    }

    private static JsonObject Tag(JsonObject o, int round)
    {
        o["round"] = round;
        return o;
    }

    internal static JsonObject Self(string[] args) => Child(SelfCommand(out var prefix), [.. prefix, .. args]);

    /// <summary>`measure` in a fresh process of this program (for other benchmarks), with extra environment variables.</summary>
    public static JsonObject Measure(string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        Child(SelfCommand(out var prefix), [.. prefix, .. args], environment);

    private static string SelfText(string[] args) => ChildText(SelfCommand(out var prefix), [.. prefix, .. args]);

    /// <summary>This program again: the apphost when run as one, else `dotnet OrtTune.Benchmarks.dll`.</summary>
    private static string SelfCommand(out string[] prefix)
    {
        var process = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            prefix = [typeof(BertBaseBenchmark).Assembly.Location];
            return process;
        }
        prefix = [];
        return process;
    }

    private static JsonObject Child(string file, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var text = ChildText(file, args, environment);
        var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.StartsWith('{'))
                   ?? throw new InvalidOperationException($"{file} {string.Join(' ', args)} printed no JSON:\n{text}");
        var o = (JsonObject)JsonNode.Parse(last)!;
        Log($"  {o["side"]}{(o["arena"] is { } a ? $" (arena {((bool)a ? "on" : "off")})" : "")}{(o["malloc_trim"] is { } t && (bool)t ? " (malloc_trim)" : "")}: median {(double)o["step_s_median"]!:F2} s, " +
            $"peak {(long)o["peak_bytes_max"]! / 1e9:F2} GB, before {(long)o["rss_before_bytes_median"]! / 1e9:F2} GB");
        return o;
    }

    private static string ChildText(string file, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        foreach (var a in args) info.ArgumentList.Add(a);
        Log($"  $ {file} {string.Join(' ', args)}");
        using var p = Process.Start(info)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {p.ExitCode}:\n{text}");
        return text;
    }

    internal static JsonObject Machine()
    {
        string Read(string path, string key) => File.Exists(path)
            ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? ""
            : "";
        string os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME="))?.Split('=', 2)[1].Trim('"') ?? ""
            : RuntimeInformation.OSDescription;
        return new JsonObject
        {
            ["cpu"] = Read("/proc/cpuinfo", "model name"),
            ["logical_cpus"] = Environment.ProcessorCount,
            ["memory"] = Read("/proc/meminfo", "MemTotal"),
            ["os"] = os,
            ["kernel"] = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["onnxruntime"] = Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString(),
        };
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrtTune.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrtTune.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Cannot find the repository root (OrtTune.sln); pass --peer PATH.");
    }

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

using Microsoft.ML.OnnxRuntime;
using OrtTune.Benchmarks;

// OrtTune.Benchmarks: multi-second training-step benchmarks, each configuration measured in a fresh process.
//   bert-base --model DIR/model.onnx [--out docs/benchmarks] [--steps 3] [--rounds 2] [--threads 2] [--artifacts DIR]
//             [--python /usr/bin/python3] [--peer tools/bench/bert_base_peer.py] [--no-peer] [--no-profile]
//   prepare   --model DIR/model.onnx --artifacts DIR   (the benchmark's artifacts only)
//   pema      --model DIR/model.onnx --gpt2 DIR --sst2 DIR [--out docs/benchmarks] [--batch 8] [--seq 128] [--steps 2]
//   pema-report --json docs/benchmarks/pema-memory.json   (rewrites pema-memory.md from the raw results)
//   tokentune --models DIR [--out docs/benchmarks] [--steps 2] [--threads 2] [--models-only bert,llama] [--training full,lora,qlora]
//             [--ratios base,1,0.5,0.3,0.25,0.1]   (DIR from /usr/bin/python3 tools/bench/tokentune_models.py --out DIR)
//   tokentune-report --json docs/benchmarks/tokentune.json   (rewrites tokentune.md and .png from the raw results)
//   report    --json docs/benchmarks/bert-base-step.json   (rewrites the .md beside it from the raw results)
//   measure   --artifacts DIR --batch DIR [--steps 3] [--arena on|off] [--threads 2] [--level all|extended|basic|disable] [--trace FILE.tsv]
//   profile   --artifacts DIR --batch DIR [--threads 2] [--arena on|off] [--level ...] [--runs 3] [--prefix P]
try
{
    if (args.Length == 0) return Usage();
    var o = Options.Parse(args[1..]);
    switch (args[0])
    {
        case "bert-base":
            return BertBaseBenchmark.Run(new BertBaseBenchmark.Settings
            {
                Model = o.Required("--model"),
                Out = o.Get("--out") ?? Path.Combine("docs", "benchmarks"),
                Steps = o.Int("--steps", 3),
                Rounds = o.Int("--rounds", 2),
                Threads = o.Int("--threads", 2),
                Artifacts = o.Get("--artifacts"),
                Python = o.Get("--python") ?? "/usr/bin/python3",
                Peer = o.Get("--peer"),
                RunPeer = !o.Flag("--no-peer"),
                Profile = !o.Flag("--no-profile"),
                Command = "bert-base " + string.Join(' ', args[1..]),
            });
        case "pema":
            return PemaBenchmark.Run(new PemaBenchmark.Settings
            {
                Model = o.Required("--model"),
                Gpt2 = o.Required("--gpt2"),
                Sst2 = o.Required("--sst2"),
                Out = o.Get("--out") ?? Path.Combine("docs", "benchmarks"),
                Artifacts = o.Get("--artifacts"),
                Batch = o.Int("--batch", 8),
                Sequence = o.Int("--seq", 128),
                Steps = o.Int("--steps", 2),
                Threads = o.Int("--threads", 2),
                Command = "pema " + string.Join(' ', args[1..]),
            });
        case "pema-report":
            return PemaBenchmark.Rewrite(o.Required("--json"));
        case "pema-measure":
            Console.WriteLine(StepMeasurement.ToJson(PemaBenchmark.Measure(o.Required("--artifacts"), o.Required("--gpt2"), o.Required("--sst2"),
                o.Int("--steps", 2), o.Int("--threads", 2), o.Get("--trace"))));
            return 0;
        case "tokentune-report":
            return TokenTuneReport.Rewrite(o.Required("--json"));
        case "tokentune":
            return TokenTuneBenchmark.Run(new TokenTuneBenchmark.Settings
            {
                Models = o.Required("--models"),
                Out = o.Get("--out") ?? Path.Combine("docs", "benchmarks"),
                Steps = o.Int("--steps", 2),
                Threads = o.Int("--threads", 2),
                Architectures = o.Get("--models-only") is { } only ? only.Split(',') : ["bert", "llama"],
                Trainings = o.Get("--training") is { } t ? t.Split(',') : ["full", "lora"],
                Ratios = o.Get("--ratios") is { } r
                    ? r.Split(',').Select(x => x == "base" ? (double?)null : double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToList()
                    : TokenTuneBenchmark.DefaultRatios,
                Command = "tokentune " + string.Join(' ', args[1..]),
            });
        case "report":
            return BertBaseBenchmark.Rewrite(o.Required("--json"));
        case "prepare":
            BertBaseBenchmark.Prepare(Path.GetFullPath(o.Required("--model")), Path.GetFullPath(o.Required("--artifacts")));
            return 0;
        case "measure":
            var result = StepMeasurement.Run(new StepMeasurement.Settings(o.Required("--artifacts"), o.Required("--batch"), o.Int("--steps", 3),
                o.Get("--arena") != "off", o.Int("--threads", 2), BertBaseBenchmark.LearningRate, Level(o.Get("--level")), o.Get("--trace"), o.Flag("--eval")));
            Console.WriteLine(StepMeasurement.ToJson(result));
            return 0;
        case "profile":
            Console.WriteLine(StepProfiler.Run(o.Required("--artifacts"), o.Required("--batch"), o.Int("--threads", 2), o.Get("--arena") != "off",
                Level(o.Get("--level")), o.Int("--runs", 3), o.Get("--prefix") ?? Path.Combine(Path.GetTempPath(), "orttune_profile_")));
            return 0;
        default:
            return Usage();
    }
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static GraphOptimizationLevel Level(string? name) => name switch
{
    null or "all" => GraphOptimizationLevel.ORT_ENABLE_ALL,
    "extended" => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "basic" => GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "disable" => GraphOptimizationLevel.ORT_DISABLE_ALL,
    _ => throw new ArgumentException($"--level must be all, extended, basic or disable, not '{name}'."),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: OrtTune.Benchmarks bert-base --model DIR/model.onnx [--out docs/benchmarks] [--steps 3] [--rounds 2] [--threads 2]
                                            [--artifacts DIR] [--python /usr/bin/python3] [--peer PATH] [--no-peer] [--no-profile]
               OrtTune.Benchmarks tokentune --models DIR [--out docs/benchmarks] [--steps 2] [--threads 2] [--models-only bert,llama]
                                            [--training full,lora,qlora] [--ratios base,1,0.5,0.3,0.25,0.1]
               OrtTune.Benchmarks prepare --model DIR/model.onnx --artifacts DIR
               OrtTune.Benchmarks pema --model DIR/model.onnx --gpt2 DIR(encoder.json, vocab.bpe) --sst2 DIR [--out docs/benchmarks] [--batch 8] [--seq 128] [--steps 2]
               OrtTune.Benchmarks report --json docs/benchmarks/bert-base-step.json
               OrtTune.Benchmarks measure --artifacts DIR --batch DIR [--steps 3] [--arena on|off] [--threads 2] [--level all|extended|basic|disable]
                                          [--trace FILE.tsv]  (resident set sampled through the last measured step)
                                          [--eval]  (then one evaluation: resident set before and after it opens the eval graph)
               OrtTune.Benchmarks profile --artifacts DIR --batch DIR [--threads 2] [--arena on|off] [--level ...] [--runs 3] [--prefix P]
        The model and its batch (input_ids.npy, attention_mask.npy, token_type_ids.npy, labels.npy beside it) come from
        /usr/bin/python3 tools/bench/bert_base_peer.py export --out DIR; tools/bench/run_bert_base.sh does everything.
        """);
    return 2;
}

/// <summary>--name value pairs and bare --flags.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            o._values[args[i]] = hasValue ? args[++i] : null;
        }
        return o;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);
    public bool Flag(string name) => _values.ContainsKey(name);
    public string Required(string name) => Get(name) ?? throw new ArgumentException($"{name} is required.");
    public int Int(string name, int fallback) => Get(name) is { } v ? int.Parse(v) : fallback;
}

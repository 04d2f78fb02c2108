using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace OrtTune.Benchmarks;

internal static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}

/// <summary>The Markdown page of a benchmark run, from the raw JSON the runs printed.</summary>
internal static class Report
{
    private sealed record Side(string Label, List<JsonObject> Runs)
    {
        public List<double> Steps => Runs.SelectMany(r => r["step_s"]!.AsArray().Select(v => (double)v!)).ToList();
        public List<double> Peaks => Runs.SelectMany(r => r["peak_bytes"]!.AsArray().Select(v => (double)(long)v!)).ToList();
        public List<double> Before => Runs.SelectMany(r => r["rss_before_bytes"]!.AsArray().Select(v => (double)(long)v!)).ToList();
        public List<double> Activation => Runs.SelectMany(r => r["activation_bytes"]!.AsArray().Select(v => (double)(long)v!)).ToList();
        public double MedianStep => Stats.Median(Steps);
        public double MaxPeak => Peaks.Max();
    }

    public static string BertBase(JsonObject result, string? profile)
    {
        var runs = result["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var off = new Side("OrtTune, arena off", runs.Where(r => (string)r["side"]! == "orttune" && !(bool)r["arena"]!).ToList());
        var on = new Side("OrtTune, arena on", runs.Where(r => (string)r["side"]! == "orttune" && (bool)r["arena"]!).ToList());
        bool Trimmed(JsonObject r) => r["malloc_trim"] is { } t && (bool)t;
        var torchTime = new Side("PyTorch", runs.Where(r => (string)r["side"]! == "pytorch" && !Trimmed(r)).ToList());
        var torchMem = new Side("PyTorch, malloc_trim", runs.Where(r => (string)r["side"]! == "pytorch" && Trimmed(r)).ToList());
        var m = result["machine"]!.AsObject();
        var sb = new StringBuilder();
        string torchVersion = runs.FirstOrDefault(r => (string)r["side"]! == "pytorch")?["torch"]?.ToString() ?? "-";
        int steps = (int)runs[0]["steps"]!;

        sb.AppendLine("# BERT-base full fine-tuning step: OrtTune vs PyTorch");
        sb.AppendLine();
        sb.AppendLine($"One training step (forward + cross-entropy + backward + AdamW update) of BERT-base for sequence classification " +
                      $"(12 layers, d 768, 12 heads, FFN 3072, vocab 30522, 2 labels; {(long)runs.First(r => (string)r["side"]! == "orttune")["parameter_bytes"]! / 4:N0} parameters), batch {result["batch"]}, " +
                      $"sequence {result["sequence"]}, dropout off, lr {((double)result["learning_rate"]!).ToString("0.######", CultureInfo.InvariantCulture)}, same weights and batch on both sides " +
                      $"(the model is built from one seed in PyTorch and exported with torch.onnx, opset 17). Measured {result["date_utc"]}.");
        sb.AppendLine();
        sb.AppendLine($"Each configuration ran in its own fresh process: 1 warm-up step, then {steps} measured steps; " +
                      $"{runs.Max(r => (int)r["round"]!)} round(s), OrtTune and PyTorch interleaved within each round. " +
                      "Time: median over all measured steps of all rounds (min–max and count beside it), from the time runs: OrtTune with ONNX Runtime's " +
                      "CPU arena on (its default), PyTorch as it runs by default. Memory, from the memory runs: OrtTune with the arena off (the arena keeps " +
                      "freed blocks and hides what a step needs) and PyTorch with malloc_trim(0) before each step (glibc otherwise keeps the heap pages the " +
                      "previous step freed). Peak: VmHWM after the step, reset by writing 5 to /proc/self/clear_refs just before it (max over steps). " +
                      "Before: VmRSS just before the step, after a full garbage collection. Activation memory = peak − before, per step (median).");
        sb.AppendLine();

        sb.AppendLine("## Result");
        sb.AppendLine();
        sb.AppendLine($"| | PyTorch {torchVersion} | OrtTune (ORT {m["onnxruntime"]}) | OrtTune / PyTorch |");
        sb.AppendLine("| --- | ---: | ---: | ---: |");
        if (torchTime.Runs.Count > 0 && on.Runs.Count > 0)
            sb.AppendLine($"| step time, median (s) | {S(torchTime.MedianStep)} ({Range(torchTime.Steps)}) | {S(on.MedianStep)} ({Range(on.Steps)}) | **{R(on.MedianStep / torchTime.MedianStep)}** |");
        if (torchMem.Runs.Count > 0 && off.Runs.Count > 0)
        {
            sb.AppendLine($"| peak RSS during the step | {GB(torchMem.MaxPeak)} | {GB(off.MaxPeak)} | **{R(off.MaxPeak / torchMem.MaxPeak)}** |");
            sb.AppendLine($"| resident before the step, median | {GB(Stats.Median(torchMem.Before))} | {GB(Stats.Median(off.Before))} | {R(Stats.Median(off.Before) / Stats.Median(torchMem.Before))} |");
            sb.AppendLine($"| activation memory (peak − before), median | {GB(Stats.Median(torchMem.Activation))} | {GB(Stats.Median(off.Activation))} | {R(Stats.Median(off.Activation) / Stats.Median(torchMem.Activation))} |");
        }
        sb.AppendLine();
        sb.AppendLine("The other configurations, for reference:");
        sb.AppendLine();
        sb.AppendLine("| | PyTorch | OrtTune | OrtTune / PyTorch |");
        sb.AppendLine("| --- | ---: | ---: | ---: |");
        if (torchMem.Runs.Count > 0 && off.Runs.Count > 0)
            sb.AppendLine($"| step time of the memory runs, median (s) | {S(torchMem.MedianStep)} ({Range(torchMem.Steps)}) | {S(off.MedianStep)} ({Range(off.Steps)}) | {R(off.MedianStep / torchMem.MedianStep)} |");
        if (torchTime.Runs.Count > 0 && on.Runs.Count > 0)
            sb.AppendLine($"| peak RSS of the time runs | {GB(torchTime.MaxPeak)} | {GB(on.MaxPeak)} | {R(on.MaxPeak / torchTime.MaxPeak)} |");
        sb.AppendLine();
        sb.AppendLine("Memory in GB = 10⁹ bytes. Parameters, gradients and the two AdamW moments are 4 × 438 MB = 1.75 GB of fp32 state on either side. " +
                      "OrtTune keeps the gradients in buffers allocated once, so they are part of its \"before\"; PyTorch sets them to None before each step " +
                      "(zero_grad(set_to_none=True), its leaner setting and the default since 2.0) and allocates them during the backward pass, so its activation " +
                      "row includes them. The rest of each \"before\" is the runtime: CPython + libtorch vs .NET + ONNX Runtime with three sessions. With the " +
                      "arena on, ONNX Runtime keeps every block it has grown to, which is why that peak is higher; it is the faster setting, not the leaner one. " +
                      "On both sides the first measured step of a process is slower than the later ones (allocators still growing after one warm-up step); " +
                      "the medians include it.");
        sb.AppendLine();

        sb.AppendLine("## How OrtTune's training graph keeps the step lean");
        sb.AppendLine();
        sb.AppendLine("- **Linear layers.** torch.onnx writes nn.Linear as MatMul(x, Transpose(W)). The backward pass reads W itself, never the transposed " +
                      "copy, so ONNX Runtime fuses the forward Transpose into its GEMM and no transposed weight stays alive through the step (72 copies, 340 MB " +
                      "in BERT-base). The weight gradient is a single GEMM over all batch × sequence rows, formed directly as dW: no batch of per-sequence " +
                      "products summed afterwards (a weight-sized tensor per sequence) and no transposed gradient.");
        sb.AppendLine("- **GELU.** The exported erf form (Div, Erf, Add, Mul, Mul) is differentiated as one function of its input, so the backward pass keeps only " +
                      "the pre-activation (PyTorch keeps the same), and ONNX Runtime fuses the forward into one Gelu kernel.");
        sb.AppendLine("- Everything is standard ONNX ops; ONNX Runtime's own graph optimisations (level all) turn the Transpose+MatMul pairs of the backward " +
                      "pass into FusedMatMul and MatMul+Add into Gemm when the session is created.");
        sb.AppendLine();

        sb.AppendLine("## Every run");
        sb.AppendLine();
        sb.AppendLine("| round | side | steps (s) | median (s) | peak per step (GB) | before per step (GB) | OrtTune: train / optimizer (s) | first losses |");
        sb.AppendLine("| ---: | --- | --- | ---: | --- | --- | --- | --- |");
        foreach (var r in runs)
        {
            string side = (string)r["side"]! == "pytorch" ? (Trimmed(r) ? "PyTorch, malloc_trim (memory)" : "PyTorch (time)")
                : $"OrtTune, arena {((bool)r["arena"]! ? "on (time)" : "off (memory)")}";
            string split = r["train_step_s"] is JsonArray t
                ? string.Join(", ", t.Zip(r["optimizer_step_s"]!.AsArray(), (a, b) => $"{(double)a!:F2}/{(double)b!:F2}"))
                : "";
            sb.AppendLine($"| {r["round"]} | {side} | {string.Join(", ", r["step_s"]!.AsArray().Select(v => S((double)v!)))} | {S((double)r["step_s_median"]!)} | " +
                          $"{string.Join(", ", r["peak_bytes"]!.AsArray().Select(v => GB((long)v!)))} | {string.Join(", ", r["rss_before_bytes"]!.AsArray().Select(v => GB((long)v!)))} | " +
                          $"{split} | {string.Join(", ", r["losses"]!.AsArray().Select(v => ((double)v!).ToString("F6", CultureInfo.InvariantCulture)))} |");
        }
        sb.AppendLine();
        sb.AppendLine("The losses column lists the warm-up step's loss and then each measured step's: the first is the loss of the initial weights on the batch, " +
                      "the rest follow the AdamW updates, so equal columns mean both sides train the same model on the same batch with the same optimizer.");
        sb.AppendLine();

        sb.AppendLine("## Machine and settings");
        sb.AppendLine();
        sb.AppendLine($"- CPU: {m["cpu"]}, {m["logical_cpus"]} logical CPUs; memory {m["memory"]}; {m["os"]}; kernel {m["kernel"]}");
        sb.AppendLine($"- OrtTune: {m["dotnet"]}, Microsoft.ML.OnnxRuntime {m["onnxruntime"]} (CPU execution provider), intra-op threads " +
                      $"{on.Runs.FirstOrDefault()?["threads"]}, graph optimisation {on.Runs.FirstOrDefault()?["optimization_level"]}; artifacts built in " +
                      $"{S((double)result["artifact_build_s"]!)} s (that process peaked at {GB((long)result["artifact_build_peak_bytes"]!)}).");
        var tr = torchTime.Runs.Concat(torchMem.Runs).FirstOrDefault();
        if (tr is not null)
            sb.AppendLine($"- PyTorch: {tr["torch"]} (Debian python3-torch), BLAS {tr["blas"]}, torch.set_num_threads({tr["threads"]}), eager mode, " +
                          "torch.optim.AdamW(lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight decay 0.01).");
        sb.AppendLine($"- Model file: {(long)result["model_bytes"]! / 1e6:F0} MB ONNX (not committed; re-create it with the commands below).");
        sb.AppendLine();

        sb.AppendLine("## Commands");
        sb.AppendLine();
        sb.AppendLine("```sh");
        sb.AppendLine("bash tools/bench/run_bert_base.sh            # all of the below in a temp folder");
        sb.AppendLine("/usr/bin/python3 tools/bench/bert_base_peer.py export --out $TMP/bert-base");
        sb.AppendLine($"dotnet run -c Release --project tools/OrtTune.Benchmarks -- {result["command"]}");
        sb.AppendLine("# which runs, per round, in fresh processes:");
        sb.AppendLine($"#   OrtTune.Benchmarks measure --artifacts A --batch $TMP/bert-base --steps {steps} --arena off --threads 2");
        sb.AppendLine($"#   /usr/bin/python3 tools/bench/bert_base_peer.py measure --steps {steps} --threads 2 --trim");
        sb.AppendLine($"#   OrtTune.Benchmarks measure --artifacts A --batch $TMP/bert-base --steps {steps} --arena on --threads 2");
        sb.AppendLine($"#   /usr/bin/python3 tools/bench/bert_base_peer.py measure --steps {steps} --threads 2");
        sb.AppendLine("#   OrtTune.Benchmarks profile --artifacts A --batch $TMP/bert-base --threads 2 --prefix P");
        sb.AppendLine("```");
        sb.AppendLine();
        if (profile is not null)
        {
            sb.AppendLine("## Where OrtTune's time goes (training graph, ORT session profiling, last of 3 runs, arena on)");
            sb.AppendLine();
            sb.AppendLine(profile);
        }
        sb.AppendLine("Raw JSON of every run: [bert-base-step.json](bert-base-step.json).");
        return sb.ToString();
    }

    private static string Range(List<double> steps) => $"{S(steps.Min())}–{S(steps.Max())}, n = {steps.Count}";

    private static string S(double seconds) => seconds.ToString("F2", CultureInfo.InvariantCulture);
    private static string R(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture) + "×";
    private static string GB(double bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture) + " GB";
}

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ScottPlot;

namespace OrtTune.Benchmarks;

/// <summary>docs/benchmarks/tokentune.md and tokentune.png from the raw runs of <see cref="TokenTuneBenchmark"/>.</summary>
internal static class TokenTuneReport
{
    private sealed record Row(JsonObject Run)
    {
        public string Architecture => (string)Run["architecture"]!;
        public string Training => (string)Run["training"]!;
        public double? Ratio => Run["ratio"] is { } r ? (double)r : null;
        public int? Selected => Run["selected"] is { } k ? (int)k : null;
        public long Sequence => (long)Run["sequence"]!;
        public long Batch => (long)Run["batch"]!;
        public double Step => (double)Run["step_s_median"]!;

        /// <summary>Forward + backward only (TrainStep), without AdamW's update.</summary>
        public double TrainStep => Stats.Median(Run["train_step_s"]!.AsArray().Select(v => (double)v!).ToList());
        /// <summary>Forward + backward: the train step's peak minus the resident set before it.</summary>
        public double Activation => Stats.Median(Run["train_activation_bytes"]!.AsArray().Select(v => (double)(long)v!).ToList());

        /// <summary>The whole step including the optimizer's temporaries.</summary>
        public double StepActivation => Stats.Median(Run["activation_bytes"]!.AsArray().Select(v => (double)(long)v!).ToList());
        public double Peak => (long)Run["peak_bytes_max"]!;
        public double Before => (long)Run["rss_before_bytes_median"]!;
        public List<double> Losses => Run["losses"]!.AsArray().Select(v => (double)v!).ToList();
    }

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private static string Name(Row r) =>
        (r.Architecture.StartsWith("bert", StringComparison.Ordinal) ? "BERT-base" : "Llama 12×768") + (r.Batch > 1 ? $", batch {r.Batch}" : "");
    private static string MB(double bytes) => (bytes / 1e6).ToString("F0", C);
    private static string R(double x) => double.IsFinite(x) ? x.ToString("F2", C) + "×" : "–";

    /// <summary>Writes the page and plot again from a saved tokentune.json.</summary>
    public static int Rewrite(string jsonPath)
    {
        var result = (JsonObject)JsonNode.Parse(File.ReadAllText(jsonPath))!;
        Write(result, Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        return 0;
    }

    public static string Write(JsonObject result, string outDir)
    {
        var rows = result["runs"]!.AsArray().Select(r => new Row(r!.AsObject())).ToList();
        Row? Find(string arch, string training, double? p) => rows.FirstOrDefault(r => r.Architecture == arch && r.Training == training && r.Ratio == p);
        var m = result["machine"]!.AsObject();
        var sb = new StringBuilder();
        sb.AppendLine("# TokenTune: activation memory and step time");
        sb.AppendLine();
        sb.AppendLine("Issue 6. One training step (forward + loss + backward + AdamW) of a BERT-base-shaped encoder (12 layers, d 768,");
        sb.AppendLine("12 heads, FFN 3072, vocabulary 30522, sequence classification) and a Llama-shaped decoder (12 layers, d 768, 12 heads,");
        sb.AppendLine("SwiGLU 2048, vocabulary 32000, RoPE, causal LM) with **random weights** exported by `tools/bench/tokentune_models.py`,");
        sb.AppendLine("full fine-tuning and LoRA (r 8, alpha 16; Llama: gate/up/down projections as the paper's scripts, BERT: query/value),");
        sb.AppendLine("without TokenTune (\"base\") and with TokenTune at ratio p (k = selected tokens per example: decoder int(p·(n−2)) + 2,");
        sb.AppendLine("encoder 1 + int(p·(n−1))). Each configuration ran in a fresh process (`OrtTune.Benchmarks measure`, ONNX Runtime");
        sb.AppendLine($"{m["onnxruntime"]} CPU, CPU arena off, {result["runs"]!.AsArray().FirstOrDefault()?["threads"]} threads), all configurations one after another in one run.");
        sb.AppendLine();
        sb.AppendLine("- **activation** = peak resident set during the training step's forward + backward (TrainStep) minus the resident set");
        sb.AppendLine("  just before it (median over the measured steps); **with optimizer** = the same over TrainStep + AdamW's step, whose");
        sb.AppendLine("  temporaries do not depend on p; **total peak** = the whole step's peak resident set (weights, gradients, optimizer");
        sb.AppendLine("  state, activations).");
        sb.AppendLine("- **step** = median wall time of TrainStep + OptimizerStep; **fwd+bwd** = TrainStep alone (AdamW's update over all");
        sb.AppendLine("  parameters costs the same with or without TokenTune). Ratios are against the same model's full fine-tuning");
        sb.AppendLine("  (LoRA rows: the total-peak ratio is against LoRA alone; \"LoRA, int8 base\" rows hold the frozen weights in int8,");
        sb.AppendLine("  `--quantize-frozen`, as the paper's QLoRA rows hold them in 4 bits, and compare with the same without TokenTune).");
        var first = rows.FirstOrDefault();
        if (first is not null)
            sb.AppendLine($"- Sequence {first.Sequence}, batch {first.Batch} (rows marked with a batch: the same models with 4 or 8 sequences, where activations " +
                          "outweigh the resident weights as they do in the paper's setting): a small batch keeps the run within the machine's time.");
        sb.AppendLine($"- Machine: {m["cpu"]}, {m["logical_cpus"]} logical CPUs, {m["memory"]}, {m["os"]}, {m["dotnet"]}; load average at the end:");
        sb.AppendLine($"  {result["load_average"]}. Other work on a shared machine makes times noisy; memory is not affected by it.");
        sb.AppendLine($"- Run {result["date_utc"]}: `{result["command"]}`; raw numbers in `tokentune.json`.");
        sb.AppendLine();
        sb.AppendLine("![activation memory and step time vs p](tokentune.png)");
        sb.AppendLine();
        sb.AppendLine("| model | training | p | k / n | step (s) | step vs full FT | fwd+bwd (s) | fwd+bwd vs full FT | activation (MB) | activation vs full FT | with optimizer (MB) | total peak (MB) | total peak vs base |");
        sb.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            var full = Find(r.Architecture, "full", null);
            var own = Find(r.Architecture, r.Training, null);
            sb.AppendLine($"| {Name(r)} | {TrainingName(r.Training)} | " +
                          $"{(r.Ratio is { } p ? p.ToString(C) : "base")} | {(r.Selected?.ToString(C) ?? r.Sequence.ToString(C))} / {r.Sequence} | {r.Step.ToString("F2", C)} | " +
                          $"{R(full is null ? double.NaN : r.Step / full.Step)} | {r.TrainStep.ToString("F2", C)} | " +
                          $"{R(full is null ? double.NaN : r.TrainStep / full.TrainStep)} | {MB(r.Activation)} | {R(full is null ? double.NaN : r.Activation / full.Activation)} | " +
                          $"{MB(r.StepActivation)} | {MB(r.Peak)} | {R(own is null ? double.NaN : r.Peak / own.Peak)} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Targets");
        sb.AppendLine();
        sb.AppendLine("| target | model | measured | met |");
        sb.AppendLine("| --- | --- | --- | --- |");
        foreach (var arch in rows.Select(r => r.Architecture).Distinct())
        {
            string name = Name(rows.First(r => r.Architecture == arch));
            void Target(string what, Row? a, Row? b, Func<Row, double> metric, double limit)
            {
                if (a is null || b is null) return;
                double x = metric(a) / metric(b);
                sb.AppendLine($"| {what} ≤ {limit.ToString(C)}× | {name} | {R(x)} | {(x <= limit ? "yes" : $"**no** (by {(x - limit).ToString("F2", C)})")} |");
            }
            Target("activation memory, full FT + TokenTune p = 0.25, vs full FT", Find(arch, "full", 0.25), Find(arch, "full", null), r => r.Activation, 0.35);
            Target("total peak, LoRA + TokenTune p = 0.3, vs LoRA", Find(arch, "lora", 0.3), Find(arch, "lora", null), r => r.Peak, 0.57);
            Target("total peak, LoRA over an int8 base + TokenTune p = 0.3, vs the same without TokenTune", Find(arch, "qlora", 0.3), Find(arch, "qlora", null), r => r.Peak, 0.57);
            Target("step time, full FT + TokenTune p = 0.25, vs full FT", Find(arch, "full", 0.25), Find(arch, "full", null), r => r.Step, 0.65);
            Target("(fwd+bwd time, full FT + TokenTune p = 0.25, vs full FT)", Find(arch, "full", 0.25), Find(arch, "full", null), r => r.TrainStep, 0.65);
        }
        sb.AppendLine();
        sb.AppendLine("## Reading the numbers");
        sb.AppendLine();
        sb.AppendLine(TokenTuneNotes.Text);
        var md = sb.ToString();
        File.WriteAllText(Path.Combine(outDir, "tokentune.md"), md);
        Draw(rows, Path.Combine(outDir, "tokentune.png"));
        return md;
    }

    private static string TrainingName(string training) => training switch
    {
        "full" => "full FT",
        "qlora" => "LoRA, int8 base",
        _ => "LoRA",
    };

    private static void Draw(List<Row> rows, string path)
    {
        var multiplot = new ScottPlot.Multiplot();
        multiplot.AddPlots(2);
        var (memory, time) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        foreach (var group in rows.GroupBy(r => (r.Architecture, r.Training)))
        {
            var full = rows.FirstOrDefault(r => r.Architecture == group.Key.Architecture && r.Training == "full" && r.Ratio is null);
            if (full is null) continue;   // e.g. the batch-4 LoRA rows: no full fine-tuning to compare with
            // The base row sits at p = 1 on the x axis as the reference point; TokenTune rows at their p.
            var points = group.Where(r => r.Ratio is not null).OrderBy(r => r.Ratio).ToList();
            if (points.Count == 0) continue;
            string label = $"{Name(group.First())} {TrainingName(group.Key.Training)}";
            var xs = points.Select(r => r.Ratio!.Value).ToArray();
            var a = memory.Add.Scatter(xs, points.Select(r => r.Activation / full.Activation).ToArray());
            a.LegendText = label;
            var t = time.Add.Scatter(xs, points.Select(r => r.Step / full.Step).ToArray());
            t.LegendText = label;
        }
        memory.Title("Activation memory vs full fine-tuning");
        memory.XLabel("TokenTune ratio p");
        memory.YLabel("activation / full FT activation");
        time.Title("Step time vs full fine-tuning");
        time.XLabel("TokenTune ratio p");
        time.YLabel("step time / full FT step time");
        foreach (var (plot, limit) in new[] { (memory, 0.35), (time, 0.65) })
        {
            var line = plot.Add.HorizontalLine(limit);
            line.LegendText = $"target at p = 0.25 ({limit.ToString(C)}×)";
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            plot.Axes.SetLimits(0, 1.05, 0, 1.3);
            plot.ShowLegend();
        }
        multiplot.SavePng(path, 1400, 560);
    }
}

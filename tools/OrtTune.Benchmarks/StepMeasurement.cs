using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Diagnostics;
using OrtTune.Pipeline.Runtime;
using OrtTune.Pipeline.Training;

namespace OrtTune.Benchmarks;

/// <summary>
/// One measurement, meant to run alone in a fresh process: open the artifacts, one warm-up step, then N measured
/// steps (TrainStep + OptimizerStep). Before each measured step: full GC, resident set read, high-water mark reset;
/// after it: the high-water mark. Prints one JSON object on stdout.
/// </summary>
internal static class StepMeasurement
{
    public sealed record Settings(string Artifacts, string BatchFolder, int Steps, bool Arena, int Threads, float LearningRate,
        GraphOptimizationLevel Level, string? TracePath = null, bool Eval = false);

    public static JsonObject Run(Settings s)
    {
        var manifest = ArtifactManifest.Load(s.Artifacts);
        return Run(s, manifest.Inputs.Select(i => NpyFile.Read(Path.Combine(s.BatchFolder, i.Name + ".npy"), i.Name)).ToList());
    }

    /// <summary>The same measurement on a batch built by the caller (<see cref="Settings.BatchFolder"/> is not read).</summary>
    public static JsonObject Run(Settings s, IReadOnlyList<NamedTensor> batch)
    {
        var manifest = ArtifactManifest.Load(s.Artifacts);
        long rssStart = PeakMemory.CurrentBytes();

        var config = new SessionConfig { DisableCpuArena = !s.Arena, IntraOpThreads = s.Threads, OptimizationLevel = s.Level };
        var open = Stopwatch.StartNew();
        using var session = SessionCheckpoints.Open(s.Artifacts, config: config);
        open.Stop();
        // The checkpoint was read through managed arrays; give them back so the resident set is the session's.
        Collect();
        long rssOpen = PeakMemory.CurrentBytes();

        var losses = new List<double>();
        var warm = Stopwatch.StartNew();
        losses.Add(session.TrainStep(batch));
        session.OptimizerStep(s.LearningRate);
        warm.Stop();

        var step = new List<double>();
        var train = new List<double>();
        var optimizer = new List<double>();
        var before = new List<long>();
        var peak = new List<long>();
        var trainPeak = new List<long>();
        for (int i = 0; i < s.Steps; i++)
        {
            Collect();
            before.Add(PeakMemory.CurrentBytes());
            PeakMemory.Reset();
            using var trace = s.TracePath is not null && i == s.Steps - 1 ? new RssTrace(s.TracePath) : null;
            long t0 = Stopwatch.GetTimestamp();
            losses.Add(session.TrainStep(batch));
            long t1 = Stopwatch.GetTimestamp();
            // The high-water mark so far is the forward + backward's own peak, before the optimizer's temporaries.
            trainPeak.Add(PeakMemory.PeakBytes());
            trace?.Mark("train end");
            session.OptimizerStep(s.LearningRate);
            long t2 = Stopwatch.GetTimestamp();
            trace?.Mark("optimizer end");
            peak.Add(PeakMemory.PeakBytes());
            train.Add(Stopwatch.GetElapsedTime(t0, t1).TotalSeconds);
            optimizer.Add(Stopwatch.GetElapsedTime(t1, t2).TotalSeconds);
            step.Add(Stopwatch.GetElapsedTime(t0, t2).TotalSeconds);
        }

        // With Eval: the first evaluation opens the eval graph; what stays resident after it is the eval graph's share.
        long? rssBeforeEval = null, rssAfterEval = null, evalPeak = null;
        if (s.Eval)
        {
            Collect();
            rssBeforeEval = PeakMemory.CurrentBytes();
            PeakMemory.Reset();
            session.Evaluate(batch);
            evalPeak = PeakMemory.PeakBytes();
            Collect();
            rssAfterEval = PeakMemory.CurrentBytes();
        }

        long stateBytes = session.Parameters().Sum(p => (long)p.RawData.Length);
        // Gradients and optimizer state have their parameter's shape (float32 here), one buffer per slot state.
        long gradientBytes = stateBytes;
        var sizes = manifest.Trainable.ToDictionary(t => t.Name, t => 4 * t.Shape.Aggregate(1L, (a, b) => a * b));
        long optimizerBytes = manifest.OptimizerBinding.Slots.Sum(slot => slot.States.Count * sizes[slot.Parameter]);
        return new JsonObject
        {
            ["side"] = "orttune",
            ["onnxruntime"] = OrtEnv.Instance().GetVersionString(),
            ["arena"] = s.Arena,
            ["threads"] = s.Threads,
            ["optimization_level"] = s.Level.ToString(),
            ["warmup_steps"] = 1,
            ["steps"] = s.Steps,
            ["open_s"] = open.Elapsed.TotalSeconds,
            ["warmup_s"] = warm.Elapsed.TotalSeconds,
            ["step_s"] = Array(step),
            ["step_s_median"] = Stats.Median(step),
            ["step_s_min"] = step.Min(),
            ["step_s_max"] = step.Max(),
            ["train_step_s"] = Array(train),
            ["optimizer_step_s"] = Array(optimizer),
            ["rss_start_bytes"] = rssStart,
            ["rss_after_open_bytes"] = rssOpen,
            ["rss_before_bytes"] = Array(before),
            ["rss_before_bytes_median"] = (long)Stats.Median(before.Select(b => (double)b).ToList()),
            ["peak_bytes"] = Array(peak),
            ["peak_bytes_max"] = peak.Max(),
            ["activation_bytes"] = Array(peak.Zip(before, (p, b) => p - b)),
            ["train_peak_bytes"] = Array(trainPeak),
            ["train_activation_bytes"] = Array(trainPeak.Zip(before, (p, b) => p - b)),
            ["parameter_bytes"] = stateBytes,
            ["gradient_bytes"] = gradientBytes,
            ["optimizer_state_bytes"] = optimizerBytes,
            ["losses"] = Array(losses),
            ["rss_before_eval_bytes"] = rssBeforeEval,
            ["eval_peak_bytes"] = evalPeak,
            ["rss_after_eval_bytes"] = rssAfterEval,
        };
    }

    private static void Collect()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static JsonArray Array<T>(IEnumerable<T> values) => new(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>());

    public static string ToJson(JsonObject o) => o.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>Samples the resident set every millisecond or so on a background thread (diagnostics: where in the step the peak is).</summary>
    private sealed class RssTrace : IDisposable
    {
        private readonly string _path;
        private readonly Thread _thread;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<string> _lines = ["ms\trss_mb\tmark"];
        private volatile bool _stop;

        public RssTrace(string path)
        {
            _path = path;
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    Add(PeakMemory.CurrentBytes(), "");
                    Thread.Sleep(1);
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public void Mark(string what) => Add(PeakMemory.CurrentBytes(), what);

        private void Add(long bytes, string mark)
        {
            lock (_lines) _lines.Add($"{_clock.Elapsed.TotalMilliseconds:F1}\t{bytes / 1e6:F0}\t{mark}");
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
            lock (_lines) File.WriteAllLines(_path, _lines);
        }
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Benchmarks;

/// <summary>
/// Where a training step's time goes: runs the training graph with ONNX Runtime's session profiling
/// (SessionOptions.EnableProfiling) and sums the kernel times of the last run by op type and by node.
/// </summary>
internal static class StepProfiler
{
    public static string Run(string artifacts, string batchFolder, int threads, bool arena, GraphOptimizationLevel level, int runs, string outPrefix)
    {
        var manifest = ArtifactManifest.Load(artifacts);
        var checkpoint = CheckpointReader.Read(Path.Combine(artifacts, manifest.Files.Checkpoint));
        var feeds = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        foreach (var p in checkpoint.TrainableParameters) feeds[p.Name] = ToOrt(p);
        foreach (var i in manifest.Inputs) feeds[i.Name] = ToOrt(NpyFile.Read(Path.Combine(batchFolder, i.Name + ".npy"), i.Name));

        using var options = SessionFactory.CreateOptions(new SessionConfig { DisableCpuArena = !arena, IntraOpThreads = threads, OptimizationLevel = level });
        // The prefix must be set first: the EnableProfiling setter hands the current prefix to ONNX Runtime.
        options.ProfileOutputPathPrefix = outPrefix;
        options.EnableProfiling = true;
        options.OptimizedModelFilePath = outPrefix + "optimized_training_model.onnx";
        using var session = new InferenceSession(Path.Combine(artifacts, manifest.Files.Training), options);
        var names = feeds.Keys.Where(session.InputMetadata.ContainsKey).ToArray();
        var values = names.Select(n => feeds[n]).ToArray();
        var outputs = session.OutputMetadata.Keys.ToArray();
        using var run = new RunOptions();
        for (int i = 0; i < runs; i++)
        {
            using var results = session.Run(run, names, values, outputs);
        }
        string file = session.EndProfiling();
        foreach (var v in feeds.Values) v.Dispose();
        return Summarise(file);
    }

    private static OrtValue ToOrt(NamedTensor t)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (Microsoft.ML.OnnxRuntime.Tensors.TensorElementType)(int)t.ElementType, t.GetDims());
        t.RawData.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    /// <summary>Per-op-type and top-node kernel times of the last model_run in an ORT profile file.</summary>
    public static string Summarise(string profileFile)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(profileFile));
        var events = doc.RootElement.EnumerateArray().ToList();
        long lastRunStart = events.Where(e => e.GetProperty("name").GetString() == "model_run").Select(e => e.GetProperty("ts").GetInt64()).DefaultIfEmpty(0).Max();
        double runUs = events.Where(e => e.GetProperty("name").GetString() == "model_run" && e.GetProperty("ts").GetInt64() == lastRunStart)
            .Select(e => (double)e.GetProperty("dur").GetInt64()).FirstOrDefault();
        var nodes = events
            .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("ts").GetInt64() >= lastRunStart
                        && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            .Select(e =>
            {
                var args = e.GetProperty("args");
                string shape = args.TryGetProperty("output_type_shape", out var s) ? s.ToString() : "";
                return (Name: e.GetProperty("name").GetString()![..^"_kernel_time".Length],
                    Op: args.TryGetProperty("op_name", out var op) ? op.GetString()! : "?",
                    Us: (double)e.GetProperty("dur").GetInt64(), Shape: shape);
            }).ToList();
        double total = nodes.Sum(n => n.Us);
        var sb = new StringBuilder();
        sb.AppendLine($"ONNX Runtime profile {Path.GetFileName(profileFile)} (written beside the artifacts).");
        sb.AppendLine();
        sb.AppendLine($"Last run: {runUs / 1e6:F3} s wall, {total / 1e6:F3} s in {nodes.Count} kernels.");
        sb.AppendLine();
        sb.AppendLine("| op | nodes | ms | share |");
        sb.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var g in nodes.GroupBy(n => n.Op).OrderByDescending(g => g.Sum(n => n.Us)))
            sb.AppendLine($"| {g.Key} | {g.Count()} | {g.Sum(n => n.Us) / 1e3:F1} | {100 * g.Sum(n => n.Us) / total:F1} % |");
        sb.AppendLine();
        sb.AppendLine("| node (top 40) | op | ms | output |");
        sb.AppendLine("| --- | --- | ---: | --- |");
        foreach (var n in nodes.OrderByDescending(n => n.Us).Take(40))
            sb.AppendLine($"| {n.Name} | {n.Op} | {n.Us / 1e3:F1} | {Truncate(n.Shape, 80)} |");
        return sb.ToString();
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n] + "…";
}

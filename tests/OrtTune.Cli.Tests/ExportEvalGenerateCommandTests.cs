using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Metrics;
using OrtTune.Pipeline.Training;

namespace OrtTune.Cli.Tests;

/// <summary>train → eval → export → generate through the CLI, checked against the eval graph and plain ONNX Runtime.</summary>
[TestClass]
public sealed class ExportEvalGenerateCommandTests
{
    private string _dir = "";

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-export-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A data folder from a fixture's reference inputs (and labels, or the ids for a causal LM).</summary>
    private string FixtureData(string fixture)
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data-" + fixture)).FullName;
        foreach (var f in Directory.GetFiles(Path.GetDirectoryName(CliRunner.Fixture(fixture))!, "inputs_*.npy"))
            File.Copy(f, Path.Combine(data, Path.GetFileName(f)["inputs_".Length..]));
        var labels = CliRunner.Fixture(fixture, "labels.npy");
        File.Copy(File.Exists(labels) ? labels : CliRunner.Fixture(fixture, "inputs_input_ids.npy"), Path.Combine(data, "labels.npy"));
        return data;
    }

    [TestMethod]
    [DataRow("llama", "causal-lm", "all")]
    [DataRow("llama", "causal-lm", "lora:r=4,alpha=8,targets=*q_proj*|*v_proj*")]
    [DataRow("bert_opset17", "classification", "all")]
    [DataRow("bert_opset17", "classification", "lora:r=2,targets=*query*|*value*")]
    public void Exported_model_in_plain_onnx_runtime_equals_the_trained_eval_graph(string fixture, string loss, string trainable)
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        var data = FixtureData(fixture);
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture(fixture), "--out", artifacts, "--batch", "2", "--seq", "8",
            "--loss", loss, "--trainable", trainable, "--lr", "1e-2");
        Assert.AreEqual(0, code, error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "5");
        Assert.AreEqual(0, code, error);
        var onnx = Path.Combine(_dir, "model.onnx");
        (code, var output, error) = CliRunner.Run("export", artifacts, "--checkpoint", Path.Combine(artifacts, "checkpoints"), "--out", onnx);
        Assert.AreEqual(0, code, error);
        Assert.Contains("wrote", output);

        var manifest = ArtifactManifest.Load(artifacts);
        var batch = BatchSource.FromNpyFolder(data, manifest)[0];
        var checkpointPath = CheckpointStore.Resolve(Path.Combine(artifacts, "checkpoints"));
        using var session = SessionCheckpoints.Open(artifacts, checkpointPath);
        Assert.AreEqual(5L, session.Step);
        var expected = session.Evaluate(batch).prediction;

        // Plain ONNX Runtime, default options, no OrtTune code between it and the file.
        using var plain = new InferenceSession(onnx);
        Assert.HasCount(1, plain.OutputMetadata);
        Assert.AreEqual(manifest.PredictionName, plain.OutputMetadata.Keys.Single());
        Assert.IsFalse(plain.InputMetadata.Keys.Any(k => k == "labels" || k.Contains("lora", StringComparison.Ordinal)),
            "inputs: " + string.Join(", ", plain.InputMetadata.Keys));
        var feeds = batch.Where(t => plain.InputMetadata.ContainsKey(t.Name))
            .Select(t => (t.Name, OrtValue.CreateTensorValueFromMemory(t.ToArray<long>(), t.GetDims()))).ToList();
        Assert.HasCount(plain.InputMetadata.Count, feeds);
        using var results = plain.Run(new RunOptions(), feeds.Select(f => f.Name).ToArray(), feeds.Select(f => f.Item2).ToArray(), plain.OutputNames.ToArray());
        var actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        foreach (var f in feeds) f.Item2.Dispose();
        Assert.HasCount(expected.Length, actual);
        double maxDiff = expected.Zip(actual).Max(x => Math.Abs((double)x.First - x.Second));
        TestContext.WriteLine($"{fixture} {trainable}: max |export − eval graph| = {maxDiff:E3} over {actual.Length} outputs");
        Assert.IsLessThanOrEqualTo(1e-5, maxDiff);

        // The trained parameters are in the file: the untrained model's prediction differs.
        using var initial = SessionCheckpoints.Open(artifacts);
        var untrained = initial.Evaluate(batch).prediction;
        Assert.IsGreaterThan(1e-4, untrained.Zip(actual).Max(x => Math.Abs((double)x.First - x.Second)), "the export ignores the trained parameters");
    }

    [TestMethod]
    public void Eval_reproduces_the_metric_training_recorded_and_the_plot_is_a_png()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("bert_opset17"), "--out", artifacts, "--batch", "2", "--seq", "8",
            "--loss", "classification", "--lr", "1e-3").exitCode);
        var (code, output, error) = CliRunner.Run("train", artifacts, "--synthetic", "--vocab", "100", "--classes", "3", "--steps", "6",
            "--eval-every", "2", "--metric", "f1", "--schedule", "linear", "--warmup", "2");
        Assert.AreEqual(0, code, error);
        Assert.Contains("macro-F1", output);
        var checkpoints = Path.Combine(artifacts, "checkpoints");
        var rows = MetricsLog.Read(Path.Combine(checkpoints, MetricsLog.CsvName));
        CollectionAssert.AreEqual(new long[] { 2, 4, 6 }, rows.Where(r => r.Phase == "eval").Select(r => r.Step).ToArray());
        // Linear schedule with warm-up 2 over 6 steps at 1e-3: 5e-4, 1e-3, then 1e-3·(6−s)/4.
        CollectionAssert.AreEqual(new[] { 5e-4, 1e-3, 1e-3 * 4 / 4, 1e-3 * 3 / 4, 1e-3 * 2 / 4, 1e-3 * 1 / 4 },
            rows.Where(r => r.Phase == "train").Select(r => Math.Round(r.LearningRate!.Value, 9)).ToArray());

        var state = TrainerState.ReadFrom(CheckpointReader.Read(CheckpointStore.Resolve(Path.Combine(checkpoints, "best"))).PropertyBag)!;
        var recorded = rows.Single(r => r.Phase == "eval" && r.Step == state.BestStep);
        (code, output, error) = CliRunner.Run("eval", artifacts, "--synthetic", "--vocab", "100", "--classes", "3", "--json");
        Assert.AreEqual(0, code, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.AreEqual(state.BestStep, root.GetProperty("step").GetInt64(), "eval defaults to the best checkpoint");
        Assert.AreEqual(recorded.EvalLoss!.Value, root.GetProperty("loss").GetDouble(), 1e-9);
        Assert.AreEqual(recorded.EvalF1!.Value, root.GetProperty("f1").GetDouble(), 1e-12);
        Assert.AreEqual(recorded.EvalAccuracy!.Value, root.GetProperty("accuracy").GetDouble(), 1e-12);

        var png = File.ReadAllBytes(Path.Combine(checkpoints, "metrics.png"));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.AreEqual(1000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), "PNG width");
        Assert.IsGreaterThan(10_000, png.Length, "an empty canvas compresses to a few kB; the plot has lines and text");
    }

    [TestMethod]
    public void Early_stop_ends_a_run_whose_metric_stops_improving()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        // At 1e-12 the eval perplexity cannot move by 1e-3: evaluations 2 and 3 do not improve on the first.
        var (code, output, error) = CliRunner.Run("train", artifacts, "--synthetic", "--vocab", "100", "--steps", "50", "--lr", "1e-12",
            "--eval-every", "1", "--metric", "perplexity", "--early-stop", "2", "--min-delta", "1e-3");
        Assert.AreEqual(0, code, error);
        Assert.Contains("stopped early after step 3", output);
        Assert.AreEqual(CheckpointStore.FileName(1), Path.GetFileName(CheckpointStore.Resolve(Path.Combine(artifacts, "checkpoints", "best"))));
    }

    [TestMethod]
    public void Generate_is_deterministic_with_a_seed_and_greedy_follows_the_model()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts, "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--lr", "1e-2").exitCode);
        Assert.AreEqual(0, CliRunner.Run("train", artifacts, "--data", FixtureData("llama"), "--steps", "10").exitCode);
        string[] Sample(int seed, params string[] more) =>
            ["generate", artifacts, "--prompt-ids", "5,17,42", "--max-tokens", "12", "--temperature", "1.5", "--top-k", "20", "--seed", seed.ToString(), .. more];
        var a = CliRunner.Run(Sample(4));
        Assert.AreEqual(0, a.exitCode, a.error);
        var ids = a.output.Trim().Split(',').Select(long.Parse).ToArray();
        Assert.HasCount(12, ids);
        Assert.IsTrue(ids.All(i => i is >= 0 and < 100));
        Assert.AreEqual(a.output, CliRunner.Run(Sample(4)).output, "same seed, same tokens");
        Assert.AreNotEqual(a.output, CliRunner.Run(Sample(5)).output, "another seed samples other tokens");
        var onnx = Path.Combine(_dir, "model.onnx");
        Assert.AreEqual(0, CliRunner.Run("export", artifacts, "--out", onnx).exitCode);
        Assert.AreEqual(a.output, CliRunner.Run(Sample(4, "--model", onnx)).output, "the exported model samples the same tokens");

        // Greedy: each token is the argmax of the exported model's logits at the last real position.
        var greedy = CliRunner.Run("generate", artifacts, "--prompt-ids", "5,17,42", "--max-tokens", "7");
        Assert.AreEqual(0, greedy.exitCode, greedy.error);
        var generated = greedy.output.Trim().Split(',').Select(long.Parse).ToList();
        using var plain = new InferenceSession(onnx);
        var context = new List<long> { 5, 17, 42 };
        foreach (var token in generated)
        {
            var window = context.TakeLast(8).ToArray();
            var input = new long[16];
            window.CopyTo(input, 0);
            using var ids2 = OrtValue.CreateTensorValueFromMemory(input, [2, 8]);
            using var result = plain.Run(new RunOptions(), ["input_ids"], [ids2], ["logits"]);
            var logits = result[0].GetTensorDataAsSpan<float>().Slice((window.Length - 1) * 100, 100).ToArray();
            Assert.AreEqual(Array.IndexOf(logits, logits.Max()), (int)token);
            context.Add(token);
        }
        Assert.IsGreaterThan(8, context.Count, "the context slid past the prepared length");
    }

    [TestMethod]
    public void Command_errors_are_clear()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("bert_opset17"), "--out", artifacts, "--batch", "2", "--seq", "8", "--loss", "classification").exitCode);
        var (code, _, error) = CliRunner.Run("generate", artifacts, "--prompt-ids", "1,2");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("needs causal-LM artifacts", error);
        (code, _, error) = CliRunner.Run("export", artifacts, "--checkpoint", Path.Combine(_dir, "nope"), "--out", Path.Combine(_dir, "m.onnx"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("does not exist", error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--synthetic", "--vocab", "100", "--schedule", "step");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("constant, linear or cosine", error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", FixtureData("bert_opset17"), "--early-stop", "2");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--early-stop needs eval data", error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--synthetic", "--vocab", "100", "--device", "tpu");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--device must be cpu or cuda", error);
        // A failure inside ONNX Runtime (here a label beyond the 3 classes) is its message and exit code 3, not a crash dump.
        var badLabels = Path.Combine(_dir, "data-bert_opset17"); // FixtureData's folder from the --early-stop call above
        TestNpy.WriteInt64(Path.Combine(badLabels, "labels.npy"), [1, 7], 2);
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", badLabels, "--steps", "1");
        Assert.AreEqual(OrtTuneCli.RuntimeError, code, error);
        Assert.Contains("error: ONNX Runtime:", error);
        Assert.Contains("idx=7", error);

        // A checkpoint of other artifacts (the llama fixture) is refused by name, and nothing is written.
        var other = Path.Combine(_dir, "llama");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", other, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        var target = Path.Combine(_dir, "m.onnx");
        (code, _, error) = CliRunner.Run("export", artifacts, "--checkpoint", Path.Combine(other, "checkpoint"), "--out", target);
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("belongs to other artifacts", error);
        Assert.IsFalse(File.Exists(target));

        var llamaGen = CliRunner.Run("generate", other, "--prompt-ids", "1,100");
        Assert.AreEqual(OrtTuneCli.UserError, llamaGen.exitCode);
        Assert.Contains("token id 100 lies outside the model's vocabulary [0, 100)", llamaGen.error);
    }

    [TestMethod]
    public void Cuda_without_the_gpu_runtime_is_a_clear_error()
    {
        if (OrtTune.Pipeline.Runtime.SessionFactory.AvailableProviders().Contains("CUDAExecutionProvider"))
            Assert.Inconclusive("Skipped: this ONNX Runtime build has the CUDA provider, so the failure path cannot be observed.");
        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        foreach (var command in new[] { "train", "eval" })
        {
            var (code, _, error) = CliRunner.Run(command, artifacts, "--synthetic", "--vocab", "100", "--device", "cuda");
            Assert.AreEqual(OrtTuneCli.UserError, code, command);
            Assert.Contains("CUDA execution provider is not available", error);
            Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", error);
            Assert.Contains("--device cpu", error);
        }
        Assert.IsFalse(Directory.Exists(Path.Combine(artifacts, "checkpoints")), "a failed start wrote checkpoints");
    }
}

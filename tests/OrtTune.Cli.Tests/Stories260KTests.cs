using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Pipeline.Data;

namespace OrtTune.Cli.Tests;

/// <summary>The pretrained stories260K causal LM (shared data; skipped when absent) through prepare → train → eval → export → generate.</summary>
[TestClass]
public sealed class Stories260KTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Fine_tuning_lowers_perplexity_and_the_export_matches()
    {
        var shared = Path.GetDirectoryName(CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx"))!;
        var dir = Path.Combine(Path.GetTempPath(), "orttune-stories-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (ids, data) = ReferenceSequence(shared, dir);
            var artifacts = Path.Combine(dir, "artifacts");
            // fc/fs are the RoPE cos/sin tables (buffers in PyTorch): frozen.
            var (code, _, error) = CliRunner.Run("prepare", Path.Combine(shared, "stories260K.onnx"), "--out", artifacts, "--batch", "1",
                "--seq", ids.Length.ToString(), "--loss", "causal-lm", "--freeze", "fc,fs", "--lr", "2e-3");
            Assert.AreEqual(0, code, error);

            double before = Eval(artifacts, "--data", data, "--checkpoint", Path.Combine(artifacts, "checkpoint")).GetProperty("perplexity").GetDouble();
            (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--eval-data", data, "--steps", "30", "--eval-every", "10",
                "--metric", "perplexity", "--schedule", "cosine", "--warmup", "3");
            Assert.AreEqual(0, code, error);
            double after = Eval(artifacts, "--data", data).GetProperty("perplexity").GetDouble();
            TestContext.WriteLine($"stories260K perplexity on its reference sequence: {before:F3} → {after:F3}");
            // The sequence is the model's own sample, so it starts near 1: compare the mean loss, ln(perplexity).
            Assert.IsLessThan(0.5 * Math.Log(before), Math.Log(after));

            AssertExportMatchesTheEvalGraph(artifacts, data, ids, Path.Combine(dir, "stories.onnx"));

            var first = CliRunner.Run("generate", artifacts, "--prompt-ids", string.Join(",", ids.Take(4)), "--max-tokens", "16", "--temperature", "0.8", "--top-k", "40", "--seed", "1");
            Assert.AreEqual(0, first.exitCode, first.error);
            Assert.AreEqual(first.output, CliRunner.Run("generate", artifacts, "--prompt-ids", string.Join(",", ids.Take(4)), "--max-tokens", "16",
                "--temperature", "0.8", "--top-k", "40", "--seed", "1").output);
            // Fine-tuned on the sequence, greedy decoding continues it.
            var greedy = CliRunner.Run("generate", artifacts, "--prompt-ids", string.Join(",", ids.Take(4)), "--max-tokens", "4");
            TestContext.WriteLine($"greedy continuation {greedy.output.Trim()} vs reference {string.Join(",", ids.Skip(4).Take(4))}");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }


    /// <summary>
    /// LoRA over frozen weights held in int8 (--quantize-frozen): the artifacts store the matrices and the embedding in
    /// int8, fine-tuning still lowers the loss, and the export is a plain float model that computes what the eval graph
    /// computes (the dequantized weights with the adapters merged in).
    /// </summary>
    [TestMethod]
    public void Lora_over_an_int8_base_trains_and_exports_a_float_model()
    {
        var shared = Path.GetDirectoryName(CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx"))!;
        var dir = Directory.CreateTempSubdirectory("orttune-stories-int8-").FullName;
        try
        {
            var (ids, data) = ReferenceSequence(shared, dir);
            var artifacts = Path.Combine(dir, "artifacts");
            var (code, output, error) = CliRunner.Run("prepare", Path.Combine(shared, "stories260K.onnx"), "--out", artifacts, "--batch", "1",
                "--seq", ids.Length.ToString(), "--loss", "causal-lm", "--freeze", "fc,fs", "--lr", "1e-2",
                "--trainable", "lora:r=8,alpha=16,targets=*wq*|*wv*|*w1*|*w2*|*w3*", "--quantize-frozen");
            Assert.AreEqual(0, code, error);
            StringAssert.Contains(output, "frozen weights: 25 tensors held in int8");
            var manifest = OrtTune.Artifacts.Manifest.ArtifactManifest.Load(artifacts);
            Assert.AreEqual("int8", manifest.Methods["quantize"]["frozen"]);
            var int8 = manifest.SharedWeights!.Tensors.Where(t => t.ElemType == "int8").ToList();
            TestContext.WriteLine($"int8 tensors shared: {int8.Count}, {int8.Sum(t => t.Length)} bytes; float: {manifest.SharedWeights.Tensors.Where(t => t.ElemType != "int8").Sum(t => t.Length)} bytes");
            // wq, wo, w1, w2, w3 of each of the 5 layers; wk and wv (32×64) are under the default 4096 values and stay float.
            Assert.IsGreaterThanOrEqualTo(5 * 5, int8.Count, "the layers' matrices are held in int8");

            double before = Eval(artifacts, "--data", data, "--checkpoint", Path.Combine(artifacts, "checkpoint")).GetProperty("loss").GetDouble();
            (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--eval-data", data, "--steps", "30", "--eval-every", "10");
            Assert.AreEqual(0, code, error);
            double after = Eval(artifacts, "--data", data).GetProperty("loss").GetDouble();
            TestContext.WriteLine($"stories260K LoRA over int8: loss on the reference sequence {before:F4} → {after:F4}");
            Assert.IsLessThan(0.7 * before, after);

            var onnx = Path.Combine(dir, "stories.onnx");
            AssertExportMatchesTheEvalGraph(artifacts, data, ids, onnx, tolerance: 1e-4);
            var exported = OrtTune.Graphs.Onnx.OnnxModelIO.Load(onnx).Graph;
            Assert.IsFalse(exported.Initializers.Any(v => v.Initializer!.DataType == OrtTune.Graphs.IR.DataType.Int8), "the export holds float weights");
            Assert.IsFalse(exported.Nodes.Any(n => n.OpType == "DequantizeLinear"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The reference sequence (20 tokens) as one row, inputs and labels, in a data folder under <paramref name="dir"/>.</summary>
    private static (long[] Ids, string Data) ReferenceSequence(string shared, string dir)
    {
        var ids = NpyFile.Read(Path.Combine(shared, "ref_ids.npy")).ToArray<long>();
        var data = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        TestNpy.WriteInt64(Path.Combine(data, "input_ids.npy"), ids, 1, ids.Length);
        TestNpy.WriteInt64(Path.Combine(data, "labels.npy"), ids, 1, ids.Length);
        return (ids, data);
    }

    /// <summary>
    /// Exports the best checkpoint to <paramref name="onnx"/> and checks plain ONNX Runtime computes the eval graph's
    /// prediction on it, within <paramref name="tolerance"/> (merged adapters sum in another order than the branches).
    /// </summary>
    private void AssertExportMatchesTheEvalGraph(string artifacts, string data, long[] ids, string onnx, double tolerance = 1e-5)
    {
        var (code, _, error) = CliRunner.Run("export", artifacts, "--out", onnx);
        Assert.AreEqual(0, code, error);
        using var plain = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var result = plain.Run(new RunOptions(), ["input_ids"], [input], plain.OutputNames.ToArray());
        var manifest = OrtTune.Artifacts.Manifest.ArtifactManifest.Load(artifacts);
        using var session = OrtTune.Pipeline.Training.SessionCheckpoints.Open(artifacts, OrtTune.Pipeline.Training.CheckpointStore.Resolve(Path.Combine(artifacts, "checkpoints", "best")));
        var expected = session.Evaluate(BatchSource.FromNpyFolder(data, manifest)[0]).prediction;
        double diff = expected.Zip(result[0].GetTensorDataAsSpan<float>().ToArray()).Max(x => Math.Abs((double)x.First - x.Second));
        TestContext.WriteLine($"stories260K max |export − eval graph| = {diff:E3} (largest logit {expected.Max(Math.Abs):F1})");
        Assert.IsLessThanOrEqualTo(tolerance, diff);
    }

    private static JsonElement Eval(params string[] args)
    {
        var (code, output, error) = CliRunner.Run(["eval", .. args, "--json"]);
        Assert.AreEqual(0, code, error);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    [TestMethod]
    public void Sst2_as_a_causal_LM_lowers_held_out_perplexity()
    {
        var model = CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var tok = CliRunner.RequireShared("data", "models", "stories260K", "tok512.bin");
        var train = CliRunner.RequireShared("data", "text", "sst2", "train.tsv");
        var test = CliRunner.RequireShared("data", "text", "sst2", "test.tsv");
        var dir = Directory.CreateTempSubdirectory("orttune-sst2-lm-").FullName;
        try
        {
            var artifacts = Path.Combine(dir, "artifacts");
            var (code, _, error) = CliRunner.Run("prepare", model, "--out", artifacts, "--batch", "16", "--seq", "48", "--loss", "causal-lm",
                "--freeze", "fc,fs", "--lr", "2e-3", "--tokenizer", $"llama2c:{tok}");
            Assert.AreEqual(0, code, error);
            string[] held = ["--eval-file", test, "--text-column", "sentence"];
            double before = Eval([artifacts, "--checkpoint", Path.Combine(artifacts, "checkpoint"), .. held]).GetProperty("perplexity").GetDouble();
            (code, _, error) = CliRunner.Run(["train", artifacts, "--train-file", train, .. held, "--max-rows", "4000", "--steps", "60", "--eval-every", "30",
                "--eval-batches", "20", "--metric", "perplexity"]);
            Assert.AreEqual(0, code, error);
            double after = Eval([artifacts, .. held]).GetProperty("perplexity").GetDouble();
            TestContext.WriteLine($"stories260K on SST-2 (test.tsv, held out): perplexity {before:F2} → {after:F2}");
            Assert.IsLessThan(0.6 * before, after, $"held-out perplexity {before} → {after}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Sst2_classifier_beats_the_untrained_head_by_a_wide_margin()
    {
        var model = CliRunner.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var tok = CliRunner.RequireShared("data", "models", "stories260K", "tok512.bin");
        var train = CliRunner.RequireShared("data", "text", "sst2", "train.tsv");
        var test = CliRunner.RequireShared("data", "text", "sst2", "test.tsv");
        var dir = Directory.CreateTempSubdirectory("orttune-sst2-cls-").FullName;
        try
        {
            var artifacts = Path.Combine(dir, "artifacts");
            var (code, _, error) = CliRunner.Run("prepare", model, "--out", artifacts, "--batch", "16", "--seq", "48", "--loss", "classification",
                "--head", "2:mean", "--freeze", "fc,fs", "--lr", "1e-3", "--tokenizer", $"llama2c:{tok}");
            Assert.AreEqual(0, code, error);
            string[] held = ["--eval-file", test, "--text-column", "sentence"];
            double before = Eval([artifacts, "--checkpoint", Path.Combine(artifacts, "checkpoint"), .. held]).GetProperty("accuracy").GetDouble();
            (code, _, error) = CliRunner.Run(["train", artifacts, "--train-file", train, .. held, "--steps", "400", "--eval-every", "200",
                "--metric", "accuracy"]);
            Assert.AreEqual(0, code, error);
            double after = Eval([artifacts, .. held]).GetProperty("accuracy").GetDouble();
            TestContext.WriteLine($"stories260K SST-2 classifier (GLUE dev = test.tsv): accuracy {before:P1} → {after:P1}");
            Assert.IsGreaterThanOrEqualTo(before + 0.08, after, $"accuracy {before} → {after}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

namespace OrtTune.Cli.Tests;

[TestClass]
public sealed class PrepareTrainCommandTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-train-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [TestMethod]
    public void Prepare_then_train_on_npy_data_then_resume()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, output, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts,
            "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--lr", "1e-3");
        Assert.AreEqual(0, code, error);
        Assert.Contains("input_ids[2,8]", output);
        foreach (var f in new[] { "manifest.json", "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx", "checkpoint" })
            Assert.IsTrue(File.Exists(Path.Combine(artifacts, f)), f);

        // The fixture's reference batch as the data folder; a causal LM's labels are its input ids.
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        File.Copy(CliRunner.Fixture("llama", "inputs_input_ids.npy"), Path.Combine(data, "input_ids.npy"));
        File.Copy(CliRunner.Fixture("llama", "inputs_input_ids.npy"), Path.Combine(data, "labels.npy"));
        (code, output, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "6");
        Assert.AreEqual(0, code, error);
        Assert.Contains("done after step 6", output);
        var checkpoint = Path.Combine(artifacts, "checkpoints", "step-00000006");
        Assert.IsTrue(File.Exists(checkpoint));

        // A second fresh run into the same folder would mix two runs' checkpoints: refused.
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "6");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("already holds the checkpoints of a run", error);

        // --steps counts from the start of training, so a resumed run ends where an uninterrupted one would.
        (code, output, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "8", "--resume", Path.Combine(artifacts, "checkpoints"));
        Assert.AreEqual(0, code, error);
        Assert.Contains("done after step 8", output);
    }

    [TestMethod]
    public void Train_errors_are_clear()
    {
        var (code, _, error) = CliRunner.Run("train", _dir, "--synthetic", "--vocab", "100");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("manifest.json is missing", error);

        var artifacts = Path.Combine(_dir, "artifacts");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", artifacts, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", Path.Combine(_dir, "nothing-here"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("does not exist", error);
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", empty);
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("input_ids.npy", error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--synthetic");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--vocab", error);
    }

    [TestMethod]
    public void Prepare_with_lora_trains_only_the_adapters()
    {
        var artifacts = Path.Combine(_dir, "lora");
        var (code, output, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts,
            "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--trainable", "lora:r=4,alpha=8,targets=*q_proj*|*v_proj*");
        Assert.AreEqual(0, code, error);
        // Two layers × (q, v) × (A, B) adapters; every original weight stays frozen.
        Assert.Contains("8 trainable tensors", output);
        var manifest = File.ReadAllText(Path.Combine(artifacts, "manifest.json"));
        Assert.Contains("lora_A", manifest);
        Assert.Contains("\"lora\"", manifest);
        (code, _, error) = CliRunner.Run("train", artifacts, "--synthetic", "--vocab", "100", "--steps", "2");
        Assert.AreEqual(0, code, error);

        (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", Path.Combine(_dir, "bad"),
            "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--trainable", "lora:r=zero");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("r", error);
    }

    [TestMethod]
    public void Prepare_both_formats_writes_an_ort_set_beside_the_portable_one()
    {
        var (code, output, error) = CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", _dir,
            "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--format", "both", "--weight-decay", "0");
        Assert.AreEqual(0, code, error);
        Assert.Contains("ONNX Runtime training artifacts", output);
        foreach (var f in new[] { "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx", "checkpoint" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(_dir, "ort", f)), "ort/" + f);
            Assert.IsTrue(File.Exists(Path.Combine(_dir, f)), f);
        }
        // The ORT training model accumulates gradients in place, as ONNX Runtime training expects.
        var model = OrtTune.Graphs.Onnx.OnnxModelIO.Load(Path.Combine(_dir, "ort", "training_model.onnx"));
        Assert.IsTrue(model.Graph.Nodes.Any(n => n.OpType == "InPlaceAccumulatorV2"));
        Assert.IsTrue(model.Graph.Inputs.Any(v => v.Name == "lazy_reset_grad"));
    }

    [TestMethod]
    public void Ort_format_eval_model_uses_the_lora_adapters()
    {
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", _dir, "--batch", "2", "--seq", "8",
            "--loss", "causal-lm", "--format", "ort", "--trainable", "lora:r=4,targets=*q_proj*");
        Assert.AreEqual(0, code, error);
        // The eval graph must go through the same LoRA rewrite as the training graph, or it evaluates the base model.
        var eval = OrtTune.Graphs.Onnx.OnnxModelIO.Load(Path.Combine(_dir, "eval_model.onnx"));
        var adapters = eval.Graph.Inputs.Where(v => v.Name.EndsWith(".lora_A", StringComparison.Ordinal)).ToList();
        Assert.HasCount(2, adapters);
        foreach (var a in adapters) Assert.IsNotEmpty(a.Uses, $"eval graph ignores adapter '{a.Name}'");
    }

    [TestMethod]
    public void Prepare_errors_are_clear()
    {
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", _dir, "--batch", "2", "--seq", "8", "--loss", "hinge");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--loss must be", error);
        (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", _dir, "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--train", "nothing.matches*");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("No parameter is left to train", error);
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "manifest.json")), "a failed prepare must not leave a manifest");
    }
}

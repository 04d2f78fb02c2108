using System.Text.Json;

namespace OrtTune.Cli.Tests;

/// <summary>`--token-select` on prepare (TokenTune artifacts, recorded in the manifest) and on train (the sampler).</summary>
[TestClass]
public sealed class TokenSelectCommandTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-tokentune-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [TestMethod]
    public void Prepare_with_token_select_then_train_and_resume()
    {
        var artifacts = Path.Combine(_dir, "artifacts");
        var (code, output, error) = CliRunner.Run("prepare", CliRunner.Fixture("llama"), "--out", artifacts,
            "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--lr", "1e-3", "--token-select", "p=0.5");
        Assert.AreEqual(0, code, error);
        Assert.Contains("token_select_indices[2,5]", output);   // int(0.5·6) + 2
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(artifacts, "manifest.json"))))
        {
            var settings = manifest.RootElement.GetProperty("methods").GetProperty("tokentune");
            Assert.AreEqual("0.5", settings.GetProperty("p").GetString());
            Assert.AreEqual("decoder", settings.GetProperty("rule").GetString());
        }

        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        File.Copy(CliRunner.Fixture("llama", "inputs_input_ids.npy"), Path.Combine(data, "input_ids.npy"));
        File.Copy(CliRunner.Fixture("llama", "inputs_input_ids.npy"), Path.Combine(data, "labels.npy"));
        (code, output, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "4", "--seed", "3");
        Assert.AreEqual(0, code, error);
        Assert.Contains("done after step 4", output);
        // --steps counts from the start of training: the resumed run goes on to step 6.
        (code, output, error) = CliRunner.Run("train", artifacts, "--data", data, "--steps", "6", "--seed", "3", "--token-select", "p=0.2",
            "--resume", Path.Combine(artifacts, "checkpoints"));
        Assert.AreEqual(0, code, error);
        Assert.Contains("done after step 6", output);

        (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--token-select", "p=1", "--checkpoints", Path.Combine(_dir, "other"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("5 slots", error);
        (code, _, error) = CliRunner.Run("train", artifacts, "--data", data, "--token-select", "q=1", "--checkpoints", Path.Combine(_dir, "other"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("p=RATIO", error);
    }

    [TestMethod]
    public void Token_select_errors_are_clear()
    {
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("bert_opset17"), "--out", Path.Combine(_dir, "a"),
            "--batch", "2", "--seq", "8", "--loss", "classification", "--token-select", "k=0");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("at least 1", error);

        var plain = Path.Combine(_dir, "plain");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", plain, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        (code, _, error) = CliRunner.Run("train", plain, "--synthetic", "--vocab", "100", "--token-select", "p=0.3");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("prepared with TokenTune", error);
    }
}

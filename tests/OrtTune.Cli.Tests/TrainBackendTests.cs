using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Cli.Tests;

/// <summary>`orttune train --backend`: which backend runs which directory, and the clear errors when they do not fit.</summary>
[TestClass]
public sealed class TrainBackendTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-cli-backend-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string PrepareOrt()
    {
        var ort = Path.Combine(_dir, "ort");
        var (code, _, error) = CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", ort, "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--format", "ort");
        Assert.AreEqual(0, code, error);
        return ort;
    }

    [TestMethod]
    public void Ort_format_directory_has_a_manifest_naming_its_runtime()
    {
        var ort = PrepareOrt();
        var manifest = File.ReadAllText(Path.Combine(ort, "manifest.json"));
        Assert.Contains("\"runtime\": \"ort-training\"", manifest);
        Assert.Contains("\"checkpointVersion\": 2", manifest);
        Assert.Contains("input_ids", manifest);

        (var code, _, var error) = CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", Path.Combine(_dir, "both"), "--batch", "2", "--seq", "8", "--loss", "causal-lm", "--format", "both");
        Assert.AreEqual(0, code, error);
        Assert.Contains("\"runtime\": \"portable\"", File.ReadAllText(Path.Combine(_dir, "both", "manifest.json")));
        Assert.Contains("\"runtime\": \"ort-training\"", File.ReadAllText(Path.Combine(_dir, "both", "ort", "manifest.json")));
    }

    [TestMethod]
    public void Portable_train_on_ort_format_says_which_backend_or_import()
    {
        var ort = PrepareOrt();
        var (code, _, error) = CliRunner.Run("train", ort, "--synthetic", "--vocab", "100", "--steps", "1");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--backend ort-training", error);
        Assert.Contains("orttune import-ort", error);
    }

    [TestMethod]
    public void Ort_training_backend_on_portable_artifacts_says_use_the_portable_backend()
    {
        var portable = Path.Combine(_dir, "portable");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", portable, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        var (code, _, error) = CliRunner.Run("train", portable, "--synthetic", "--vocab", "100", "--backend", "ort-training");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("portable backend", error);
        (code, _, error) = CliRunner.Run("train", portable, "--synthetic", "--vocab", "100", "--backend", "tensorflow");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--backend must be portable or ort-training", error);
    }

    /// <summary>
    /// Where ONNX Runtime's training library is absent (the Microsoft.ML.OnnxRuntime CPU package), the backend fails at
    /// start-up saying what to install or use instead and quoting ONNX Runtime; where it is present, it trains.
    /// </summary>
    [TestMethod]
    public void Ort_training_backend_fails_at_start_up_without_the_training_library_or_trains()
    {
        var ort = PrepareOrt();
        var (code, output, error) = CliRunner.Run("train", ort, "--synthetic", "--vocab", "100", "--steps", "3", "--backend", "ort-training");
        if (code == 0)
        {
            Assert.Contains("done after step 3 (ort-training)", System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "));
            return;
        }
        Assert.AreEqual(OrtTuneCli.UserError, code, error);
        Assert.Contains("needs ONNX Runtime's training library", error);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Training", error);
        Assert.Contains("orttune import-ort", error);
        Assert.Contains("does not contain the training API", error, "ONNX Runtime's own words are quoted");
        Assert.IsFalse(File.Exists(Path.Combine(ort, "checkpoints", "last")), "nothing trained, nothing saved");
    }

    [TestMethod]
    public void Resume_from_a_truncated_or_foreign_checkpoint_is_refused()
    {
        var portable = Path.Combine(_dir, "portable");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", portable, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        var bytes = File.ReadAllBytes(Path.Combine(portable, "checkpoint"));
        var truncated = Path.Combine(_dir, "truncated");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length - 100)]);
        var (code, _, error) = CliRunner.Run("train", portable, "--synthetic", "--vocab", "100", "--resume", truncated);
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(error.ToLowerInvariant(), "truncated");

        var foreign = Path.Combine(_dir, "foreign");
        var copy = (byte[])bytes.Clone();
        copy[4] = (byte)'Z'; // the file identifier ODTC lives at bytes 4..7
        File.WriteAllBytes(foreign, copy);
        (code, _, error) = CliRunner.Run("train", portable, "--synthetic", "--vocab", "100", "--resume", foreign);
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("ODTC", error);
    }

    [TestMethod]
    public void Resume_from_a_checkpoint_of_other_parameters_is_refused_on_both_backends()
    {
        var portable = Path.Combine(_dir, "portable");
        Assert.AreEqual(0, CliRunner.Run("prepare", CliRunner.Fixture("gpt2"), "--out", portable, "--batch", "2", "--seq", "8", "--loss", "causal-lm").exitCode);
        var checkpoint = CheckpointReader.Read(Path.Combine(portable, "checkpoint"));
        var renamed = Path.Combine(_dir, "renamed");
        checkpoint.TrainableParameters[0] = checkpoint.TrainableParameters[0].WithName("not_in_the_graph");
        CheckpointWriter.Write(checkpoint, renamed);
        var (code, _, error) = CliRunner.Run("train", portable, "--synthetic", "--vocab", "100", "--resume", renamed);
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("not_in_the_graph", error);

        var ort = PrepareOrt();
        var ortCheckpoint = CheckpointReader.Read(Path.Combine(ort, "checkpoint"));
        ortCheckpoint.TrainableParameters[0] = ortCheckpoint.TrainableParameters[0].WithName("not_in_the_graph");
        CheckpointWriter.Write(ortCheckpoint, renamed, new CheckpointWriteOptions { Version = 2 });
        (code, _, error) = CliRunner.Run("train", ort, "--synthetic", "--vocab", "100", "--resume", renamed, "--backend", "ort-training");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("parameters the graphs do not have: not_in_the_graph", error);
    }
}

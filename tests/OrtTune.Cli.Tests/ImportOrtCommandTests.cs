using System.Globalization;
using System.Text.RegularExpressions;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Cli.Tests;

/// <summary>
/// `orttune import-ort` on the real ONNX Runtime artifact sets in shared/fixtures/ort-training, then `orttune train`
/// on the result; and the clear errors for checkpoints and directories that do not fit.
/// </summary>
[TestClass]
public sealed partial class ImportOrtCommandTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "orttune-cli-import-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>shared/fixtures/ort-training/RELATIVE, or the test is skipped with the reason.</summary>
    internal static string OrtFixture(string relative) => CliRunner.RequireShared("fixtures", "ort-training", relative);

    private const string Mnist = "carzh-onnxruntime-training-examples/web-demo";
    private const string Transformer = "srijanie03-ONNX-Graphs/LoRA/Graphs/Transformers";

    [TestMethod]
    [DataRow(Mnist, "checkpoint", "10")]
    [DataRow(Mnist, "checkpoint.v2", "10")]
    [DataRow(Transformer, "checkpoint", "32")]
    public void Import_then_train_on_plain_onnx_runtime(string set, string checkpoint, string classes)
    {
        var output = Path.Combine(_dir, "imported");
        var (code, stdout, error) = CliRunner.Run("import-ort", OrtFixture(set), "--out", output, "--batch", "8", "--checkpoint", checkpoint);
        Assert.AreEqual(0, code, error);
        stdout = Flat(stdout);
        Assert.Contains("optimizer adamw from optimizer_model.onnx", stdout);
        Assert.Contains(checkpoint == "checkpoint.v2" || set == Transformer ? "version 2 checkpoint" : "version 1 checkpoint", stdout);
        if (set == Transformer) Assert.Contains("2 Dropout node(s) train in training mode", stdout);
        var manifest = File.ReadAllText(Path.Combine(output, "manifest.json"));
        Assert.Contains("\"runtime\": \"portable\"", manifest);
        Assert.Contains("\"lossKind\": \"ModelOutput\"", manifest);

        // Synthetic batches: float inputs in [0, 1), labels below --vocab; the same batch cycles, so the loss must fall.
        (code, stdout, error) = CliRunner.Run("train", output, "--synthetic", "--vocab", classes, "--steps", "8", "--lr", "1e-3");
        Assert.AreEqual(0, code, error);
        var m = LossLine().Match(Flat(stdout));
        Assert.IsTrue(m.Success, stdout);
        float first = float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), last = float.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.IsLessThan(first, last, $"loss did not fall: {stdout}");
    }

    [TestMethod]
    public void Optimizer_state_in_the_checkpoint_is_carried_over()
    {
        var source = CopySet(Mnist, "checkpoint.v2");
        var checkpoint = CheckpointReader.Read(Path.Combine(source, "checkpoint"));
        var group = OptimizerGroup.CreateAdamW(checkpoint.TrainableParameters, 1e-3f);
        group.Step = 7;
        var first = checkpoint.TrainableParameters[0];
        var moment = NamedTensor.FromValues<float>(OptimizerGroup.FirstMomentName, first.GetDims(), Enumerable.Range(0, (int)first.ElementCount).Select(i => i * 1e-6f).ToArray());
        group.ParameterStates[0] = new ParameterOptimizerState(first.Name, [moment, group.ParameterStates[0].States[1]]);
        checkpoint.OptimizerGroups.Add(group);
        CheckpointWriter.Write(checkpoint, Path.Combine(source, "checkpoint"), new CheckpointWriteOptions { Version = 2 });

        var output = Path.Combine(_dir, "imported");
        var (code, stdout, error) = CliRunner.Run("import-ort", source, "--out", output, "--batch", "4");
        Assert.AreEqual(0, code, error);
        Assert.Contains("optimizer state carried over at step 7", Flat(stdout));
        var imported = CheckpointReader.Read(Path.Combine(output, "checkpoint"));
        var carried = imported.FindOptimizerGroup(OptimizerGroup.DefaultGroupName)!;
        Assert.AreEqual(7, carried.Step);
        CollectionAssert.AreEqual(moment.ToArray<float>(), carried.Find(first.Name)!.Find(OptimizerGroup.FirstMomentName)!.ToArray<float>());

        (code, stdout, error) = CliRunner.Run("import-ort", source, "--out", Path.Combine(_dir, "fresh"), "--batch", "4", "--no-optimizer-state");
        Assert.AreEqual(0, code, error);
        Assert.IsEmpty(CheckpointReader.Read(Path.Combine(_dir, "fresh", "checkpoint")).OptimizerGroups);

        (code, stdout, error) = CliRunner.Run("train", output, "--synthetic", "--vocab", "10", "--steps", "8"); // --steps counts from the start of training
        Assert.AreEqual(0, code, error);
        Assert.Contains("done after step 8", Flat(stdout), "training resumes at the carried step");
    }

    [TestMethod]
    public void Checkpoint_of_other_parameters_is_refused_by_name()
    {
        var source = CopySet(Mnist, "checkpoint.v2");
        var path = Path.Combine(source, "checkpoint");
        var checkpoint = CheckpointReader.Read(path);
        checkpoint.TrainableParameters[1] = checkpoint.TrainableParameters[1].WithName("fc1.bias_renamed");
        CheckpointWriter.Write(checkpoint, path, new CheckpointWriteOptions { Version = 2 });
        var (code, _, error) = CliRunner.Run("import-ort", source, "--out", Path.Combine(_dir, "out"), "--batch", "4");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("'fc1.bias_renamed' are not inputs of the model", error);
        Assert.Contains("fc1.bias", error, "the model's unmatched input is named");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "out", "manifest.json")), "nothing is written for a refused set");
    }

    [TestMethod]
    public void Truncated_and_foreign_checkpoints_are_refused()
    {
        var source = CopySet(Mnist, "checkpoint.v2");
        var path = Path.Combine(source, "checkpoint");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var (code, _, error) = CliRunner.Run("import-ort", source, "--out", Path.Combine(_dir, "a"), "--batch", "4");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(error.ToLowerInvariant(), "truncated");

        var foreign = (byte[])bytes.Clone();
        foreign[4] = (byte)'X'; // the file identifier ODTC lives at bytes 4..7
        File.WriteAllBytes(path, foreign);
        (code, _, error) = CliRunner.Run("import-ort", source, "--out", Path.Combine(_dir, "b"), "--batch", "4");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("ODTC", error);
    }

    [TestMethod]
    public void Import_needs_static_shapes_and_an_eval_model()
    {
        var (code, _, error) = CliRunner.Run("import-ort", OrtFixture(Mnist), "--out", Path.Combine(_dir, "a"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("batch_size", error);
        (code, _, error) = CliRunner.Run("import-ort", _dir, "--out", Path.Combine(_dir, "b"), "--batch", "2");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("eval_model.onnx is missing", error);
    }

    [TestMethod]
    public void Train_on_a_foreign_ort_set_points_to_import_ort()
    {
        var (code, _, error) = CliRunner.Run("train", OrtFixture(Mnist), "--synthetic", "--vocab", "10");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("orttune import-ort", error);
    }

    private string CopySet(string set, string checkpoint)
    {
        var from = OrtFixture(set);
        var to = Directory.CreateDirectory(Path.Combine(_dir, "source")).FullName;
        foreach (var f in new[] { "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx" }) File.Copy(Path.Combine(from, f), Path.Combine(to, f));
        File.Copy(Path.Combine(from, checkpoint), Path.Combine(to, "checkpoint"));
        foreach (var f in Directory.GetFiles(to)) File.SetAttributes(f, FileAttributes.Normal);
        return to;
    }

    /// <summary>The console wraps long lines at 80 columns; tests read the text as one line.</summary>
    private static string Flat(string text) => Whitespace().Replace(text, " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"loss (\d+\.\d+) → (\d+\.\d+)")]
    private static partial Regex LossLine();
}

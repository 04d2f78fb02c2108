namespace OrtTune.Cli.Tests;

[TestClass]
public sealed class GnnCommandTests
{
    private static string CoraML() => CliRunner.RequireShared("data", "graphs", "npz", "cora_ml.npz");

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "orttune-tests", "gnn-cli-" + Guid.NewGuid().ToString("N")[..8]);

    [TestMethod]
    public void Single_forward_run_writes_per_layer_metrics()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "sf", "--layers", "2", "--runs", "1",
            "--epochs", "4", "--hidden", "16", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        StringAssert.Contains(stdout, "2995 nodes, 16316 directed edges, 2879 features, 7 classes");
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(3, csv, string.Join("\n", csv)); // header + layers 1 and 2 of split 0
        StringAssert.StartsWith(csv[1], "sf,gcn,0,1,");
        StringAssert.StartsWith(csv[2], "sf,gcn,0,2,");
        var peak = long.Parse(csv[1].Split(',')[^1]);
        if (OrtTune.Pipeline.Diagnostics.PeakMemory.IsSupported) Assert.IsGreaterThan(0L, peak);
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, "metrics.json")), "\"test_mean\"");
    }

    /// <summary>
    /// Each method runs end to end and writes one metrics row per network it trains: the layer-wise methods one per
    /// layer, backprop and the top-to-input / top-to-loss variants one for the whole network (their epochs are time steps).
    /// </summary>
    [TestMethod]
    [DataRow("bp", "sage", 2, "", 1)]
    [DataRow("ff-vn", "sage", 2, "--negatives 2", 2)]
    [DataRow("ff-la", "gat", 2, "", 2)]
    [DataRow("sf-top2loss", "gat", 3, "", 1)]
    [DataRow("sf-top2input", "sage", 3, "--test-time-steps 2", 1)]
    public void Each_method_runs_and_reports_the_networks_it_trains(string method, string model, int layers, string extra, int networks)
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run(["gnn", "train", "--data", CoraML(), "--method", method, "--model", model, "--layers", layers.ToString(),
            "--runs", "1", "--epochs", "2", "--hidden", "16", .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--output", output]);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(1 + networks, csv);
        StringAssert.StartsWith(csv[^1], $"{method},{model},0,{layers},");
        if (method.StartsWith("sf-top2", StringComparison.Ordinal)) Assert.AreEqual("2", csv[1].Split(',')[6], "epochs (time steps) run");
    }

    [TestMethod]
    public void Bad_option_values_are_clear_errors()
    {
        var (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "ff-la", "--sparse-features");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "drop --sparse-features");
        (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "sf-top2input", "--test-time-steps", "0");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "--test-time-steps must be at least 1");
        (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--splits", "1");
        Assert.AreEqual(OrtTuneCli.UserError, code, "was an unhandled ArgumentOutOfRangeException");
        StringAssert.Contains(stderr, "--splits must be at least 2");
        (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--runs", "0");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "--runs must be at least 1");
    }

    [TestMethod]
    public void Link_prediction_reports_roc_auc_per_layer()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--task", "link", "--method", "sf", "--layers", "2",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        StringAssert.Contains(stdout, "ROC-AUC");
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        StringAssert.StartsWith(csv[0], "method,model,split,layers,test_auc,val_auc,");
        Assert.HasCount(3, csv);
        var auc = double.Parse(csv[2].Split(',')[4], System.Globalization.CultureInfo.InvariantCulture);
        Assert.IsTrue(auc is > 0 and <= 100, $"ROC-AUC ×100 {auc}");
    }

    [TestMethod]
    public void Unknown_method_and_missing_file_are_user_errors()
    {
        var (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", "x.npz", "--method", "magic");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "Unknown --method 'magic'");

        (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", Path.Combine(TempDir(), "absent.npz"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "graph file not found");
    }
}

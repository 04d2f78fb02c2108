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

    [TestMethod]
    public void Backprop_run_reports_one_network()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "bp", "--model", "sage", "--layers", "2",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(2, csv);
        StringAssert.StartsWith(csv[1], "bp,sage,0,2,");
    }

    [TestMethod]
    public void Forward_forward_with_virtual_nodes_runs_with_graphsage()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "ff-vn", "--model", "sage", "--layers", "2",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--negatives", "2", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(3, csv);
        StringAssert.StartsWith(csv[2], "ff-vn,sage,0,2,");
    }

    [TestMethod]
    public void Top_to_loss_trains_all_layers_together_with_gat()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "sf-top2loss", "--model", "gat", "--layers", "3",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(2, csv); // one result: the whole 3-layer network
        StringAssert.StartsWith(csv[1], "sf-top2loss,gat,0,3,");
        Assert.AreEqual("2", csv[1].Split(',')[6], "epochs (time steps) run");
    }

    [TestMethod]
    public void Forward_forward_with_label_appending_runs_with_gat()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "ff-la", "--model", "gat", "--layers", "2",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(3, csv);
        StringAssert.StartsWith(csv[2], "ff-la,gat,0,2,");
    }

    [TestMethod]
    public void Top_to_input_trains_all_layers_together_with_graphsage()
    {
        var output = TempDir();
        var (code, stdout, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "sf-top2input", "--model", "sage", "--layers", "3",
            "--runs", "1", "--epochs", "2", "--hidden", "16", "--test-time-steps", "2", "--output", output);
        Assert.AreEqual(0, code, stderr + stdout);
        var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.HasCount(2, csv); // one result: the whole 3-layer network
        StringAssert.StartsWith(csv[1], "sf-top2input,sage,0,3,");
        Assert.AreEqual("2", csv[1].Split(',')[6], "epochs (time steps) run");
    }

    [TestMethod]
    public void Label_appending_refuses_sparse_features_and_test_time_steps_must_be_positive()
    {
        var (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "ff-la", "--sparse-features");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "drop --sparse-features");
        (code, _, stderr) = CliRunner.Run("gnn", "train", "--data", CoraML(), "--method", "sf-top2input", "--test-time-steps", "0");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        StringAssert.Contains(stderr, "--test-time-steps must be at least 1");
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

using System.Text.Json;

namespace OrtTune.Cli.Tests;

[TestClass]
public sealed class InspectCommandTests
{
    [TestMethod]
    public void Inspect_shows_interface_histogram_and_parameters()
    {
        var (code, output, error) = CliRunner.Run("inspect", CliRunner.Fixture("llama"));
        Assert.AreEqual(0, code, error);
        Assert.Contains("input_ids", output);
        Assert.Contains("logits", output);
        Assert.Contains("MatMul", output);
        Assert.Contains("parameters:", output);
        Assert.Contains("batch", output, "the dynamic batch dimension should be listed");
    }

    [TestMethod]
    public void Inspect_with_batch_and_seq_makes_every_shape_static()
    {
        var (code, output, error) = CliRunner.Run("inspect", CliRunner.Fixture("gpt2"), "--batch", "2", "--seq", "8", "--json");
        Assert.AreEqual(0, code, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.AreEqual(0, root.GetProperty("dynamicValueCount").GetInt32(), output);
        var logits = root.GetProperty("outputs")[0];
        Assert.AreEqual("[2, 8, 100]", logits.GetProperty("shape").GetString());
        Assert.IsGreaterThan(0L, root.GetProperty("parameterCount").GetInt64());
        Assert.IsFalse(root.GetProperty("opHistogram").EnumerateArray().Any(p => p.GetProperty("key").GetString() == "Shape"),
            "shape subgraphs should be folded away after specialisation");
    }

    [TestMethod]
    public void Inspect_counts_parameters_of_the_bert_fixture()
    {
        var (code, output, error) = CliRunner.Run("inspect", CliRunner.Fixture("bert_opset17"), "--json");
        Assert.AreEqual(0, code, error);
        using var doc = JsonDocument.Parse(output);
        // The fixture script lists the model's trainable parameters in meta.json; inspect must find exactly those.
        using var meta = JsonDocument.Parse(File.ReadAllText(CliRunner.Fixture("bert_opset17", "meta.json")));
        int expectedTensors = meta.RootElement.GetProperty("parameters").GetArrayLength();
        Assert.AreEqual(expectedTensors, doc.RootElement.GetProperty("parameterTensors").GetInt32());
        long count = doc.RootElement.GetProperty("parameterCount").GetInt64();
        Assert.AreEqual(count * 4, doc.RootElement.GetProperty("parameterBytes").GetInt64());
    }

    [TestMethod]
    public void Missing_model_is_a_clear_error()
    {
        var (code, _, error) = CliRunner.Run("inspect", "/nonexistent/model.onnx");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("not found", error);
    }

    [TestMethod]
    public void Non_onnx_file_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"orttune-not-a-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "this is a text file, not a model\n");
        try
        {
            var (code, _, error) = CliRunner.Run("inspect", path);
            Assert.AreEqual(OrtTuneCli.UserError, code);
            Assert.Contains("not an ONNX model", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Bad_dim_option_is_a_clear_error()
    {
        var (code, _, error) = CliRunner.Run("inspect", CliRunner.Fixture("gpt2"), "--dim", "batch");
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("NAME=SIZE", error);
    }
}

[TestClass]
public sealed class InspectGradientReportTests
{
    [TestMethod]
    public void Every_fixture_op_on_the_gradient_path_has_a_rule()
    {
        foreach (var fixture in new[] { "bert_opset14", "bert_opset17", "gpt2", "llama" })
        {
            var (code, output, error) = CliRunner.Run("inspect", CliRunner.Fixture(fixture), "--json");
            Assert.AreEqual(0, code, error);
            using var doc = System.Text.Json.JsonDocument.Parse(output);
            Assert.AreEqual(0, doc.RootElement.GetProperty("problems").GetArrayLength(), $"{fixture}: {output}");
        }
    }

    [TestMethod]
    public void An_op_without_a_rule_is_named_with_its_node()
    {
        // A float initializer through TopK (no gradient rule) to the output: inspect must point at that node.
        var path = Path.Combine(Path.GetTempPath(), $"orttune-norule-{Guid.NewGuid():N}.onnx");
        var graph = new OrtTune.Graphs.IR.Graph("g");
        var model = new OrtTune.Graphs.IR.Model(graph);
        model.OpsetImports[""] = 17;
        var w = graph.AddInitializer("w", OrtTune.Graphs.IR.Tensor.FromArray(new float[] { 3, 1, 2, 5 }, 4));
        var k = graph.AddInitializer("k", OrtTune.Graphs.IR.Tensor.Vector(2L));
        var node = new OrtTune.Graphs.IR.Node("", "TopK", [w, k], ["values", "indices"], null, "the_topk");
        graph.Append(node);
        graph.Outputs.Add(node.Outputs[0]!);
        OrtTune.Graphs.Onnx.OnnxModelIO.Save(model, path);
        try
        {
            var (code, output, error) = CliRunner.Run("inspect", path);
            Assert.AreEqual(0, code, error);
            Assert.Contains("the_topk", output);
            Assert.Contains("no gradient rule", output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

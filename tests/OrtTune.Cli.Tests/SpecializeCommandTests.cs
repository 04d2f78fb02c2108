namespace OrtTune.Cli.Tests;

[TestClass]
public sealed class SpecializeCommandTests
{
    [TestMethod]
    public void Specialize_writes_a_static_model_that_inspect_reads_back()
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-cli-" + Guid.NewGuid().ToString("N")[..8]);
        var target = Path.Combine(dir, "static.onnx");
        try
        {
            var (code, output, error) = CliRunner.Run("specialize", CliRunner.Fixture("llama"), "--batch", "2", "--seq", "16", "--out", target);
            Assert.AreEqual(0, code, error);
            Assert.IsTrue(File.Exists(target));
            Assert.Contains("int64[2, 16]", output);
            Assert.Contains("float[2, 16, 100]", output);
            Assert.IsEmpty(Directory.GetFiles(dir, "*.tmp-*"), "temporary files left behind");

            var (code2, inspected, error2) = CliRunner.Run("inspect", target);
            Assert.AreEqual(0, code2, error2);
            Assert.Contains("every intermediate shape is static", inspected);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Specialize_without_sizes_is_a_clear_error()
    {
        var (code, _, error) = CliRunner.Run("specialize", CliRunner.Fixture("gpt2"), "--out", Path.Combine(Path.GetTempPath(), "never.onnx"));
        Assert.AreEqual(OrtTuneCli.UserError, code);
        Assert.Contains("--batch", error);
    }
}

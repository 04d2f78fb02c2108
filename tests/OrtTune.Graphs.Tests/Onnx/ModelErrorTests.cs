using System.Text;
using Google.Protobuf;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// Broken inputs give a ModelFormatException that says what is wrong and names the file; a failed save leaves the
/// files it would have replaced untouched.
/// </summary>
[TestClass]
public sealed class ModelErrorTests
{
    private static readonly SaveOptions Always = new() { ExternalData = ExternalDataMode.Always };
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = TestPaths.TempDirectory("errors");

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Truncated_model_file_is_reported_as_truncated(string fixture)
    {
        var bytes = File.ReadAllBytes(FixturePath(fixture));
        var path = Write("half.onnx", bytes[..(bytes.Length / 2)]);

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("truncated or corrupt", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    [DataRow("hello world, this is just a text file\n")]
    [DataRow("# README\n\nSome notes about the model.\n")]
    [DataRow("{\"ir_version\": 8, \"graph\": {}}")]
    [DataRow("r")]
    public void Text_file_is_not_an_onnx_model(string text)
    {
        var path = Write("notes.onnx", Encoding.UTF8.GetBytes(text));

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("not an ONNX model", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    public void Png_file_is_not_an_onnx_model()
    {
        byte[] png =
        [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
            0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
        ];
        var path = Write("image.onnx", png);

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("not an ONNX model", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    public void Protobuf_without_a_graph_is_not_an_onnx_model()
    {
        var path = Write("empty-model.onnx", new ModelProto { IrVersion = 8, ProducerName = "nobody" }.ToByteArray());

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("not an ONNX model", e.Message);
        Assert.Contains("no graph", e.Message);
    }

    [TestMethod]
    public void Empty_file_is_reported()
    {
        var path = Write("empty.onnx", []);

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("is empty", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    public void Missing_model_file_is_reported()
    {
        var path = Path.Combine(_dir, "nowhere", "model.onnx");

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("not found", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    public void Missing_external_data_file_is_named()
    {
        var path = SaveExternal("model.onnx");
        File.Delete(path + ".data");

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("'model.onnx.data'", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains(path, e.Message);
    }

    [TestMethod]
    public void Short_external_data_file_is_reported_as_truncated()
    {
        var path = SaveExternal("model.onnx");
        using (var data = new FileStream(path + ".data", FileMode.Open)) data.SetLength(data.Length / 2);

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(path));

        Assert.Contains("'model.onnx.data' is truncated", e.Message);
    }

    [TestMethod]
    public void Node_reading_an_undefined_value_is_named()
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(FixturePath("gpt2")));
        var node = proto.Graph.Node.First(n => n.Input.Count > 0 && n.Name.Length > 0);
        node.Input[0] = "no_such_value";

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(proto.ToByteArray()));

        Assert.Contains($"node '{node.Name}'", e.Message);
        Assert.Contains("'no_such_value'", e.Message);
    }

    [TestMethod]
    public void Failed_save_leaves_the_previous_model_untouched()
    {
        var target = Path.Combine(_dir, "target", "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath("gpt2")), target, Always);
        var before = File.ReadAllBytes(target);
        var dataBefore = File.ReadAllBytes(target + ".data");
        var broken = OnnxModelIO.Load(SaveExternal("broken.onnx"));
        File.Delete(Path.Combine(_dir, "broken.onnx.data"));

        Assert.ThrowsExactly<FileNotFoundException>(() => OnnxModelIO.Save(broken, target, Always));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(target), "the model file changed");
        CollectionAssert.AreEqual(dataBefore, File.ReadAllBytes(target + ".data"), "the data file changed");
        AssertNoTemporaryFiles();
    }

    [TestMethod]
    public void Failed_inline_save_leaves_the_previous_model_untouched()
    {
        var target = Path.Combine(_dir, "target", "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath("gpt2")), target);
        var before = File.ReadAllBytes(target);
        var broken = OnnxModelIO.Load(SaveExternal("broken.onnx"));
        using (var data = new FileStream(Path.Combine(_dir, "broken.onnx.data"), FileMode.Open)) data.SetLength(100);

        Assert.ThrowsExactly<EndOfStreamException>(() =>
            OnnxModelIO.Save(broken, target, new SaveOptions { ExternalData = ExternalDataMode.Never }));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(target), "the model file changed");
        Assert.IsFalse(File.Exists(target + ".data"));
        AssertNoTemporaryFiles();
    }

    [TestMethod]
    public void Failed_save_of_a_new_model_leaves_no_file()
    {
        var target = Path.Combine(_dir, "fresh", "model.onnx");
        var broken = OnnxModelIO.Load(SaveExternal("broken.onnx"));
        File.Delete(Path.Combine(_dir, "broken.onnx.data"));

        Assert.ThrowsExactly<FileNotFoundException>(() => OnnxModelIO.Save(broken, target, Always));

        Assert.IsEmpty(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    private static string FixturePath(string fixture) => Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The gpt2 fixture saved into the test folder with its weights in NAME.data.</summary>
    private string SaveExternal(string name)
    {
        var path = Path.Combine(_dir, name);
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath("gpt2")), path, Always);
        Assert.IsTrue(OnnxModelIO.Load(path).Graph.Initializers.Any(v => v.Initializer!.Storage is ExternalStorage));
        return path;
    }

    private void AssertNoTemporaryFiles()
    {
        var left = Directory.GetFiles(_dir, "*.tmp-*", SearchOption.AllDirectories);
        Assert.IsEmpty(left, string.Join(", ", left));
    }
}

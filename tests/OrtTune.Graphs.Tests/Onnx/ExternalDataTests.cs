using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// Saving with external data: the weights go to a .data file beside the model, ORT reads the result unchanged,
/// reloaded weights stay on disk until read, and saving over the file a model was loaded from stays correct.
/// </summary>
[TestClass]
public sealed class ExternalDataTests
{
    private const string Fixture = "gpt2";
    private static readonly SaveOptions Always = new() { ExternalData = ExternalDataMode.Always };

    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = TestPaths.TempDirectory("external");

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Always_writes_a_data_file_and_ort_outputs_are_identical(string fixture)
    {
        var source = FixturePath(fixture);
        var saved = Path.Combine(_dir, "model.onnx");

        OnnxModelIO.Save(OnnxModelIO.Load(source), saved, Always);

        Assert.IsTrue(File.Exists(saved + ".data"), "no external-data file beside the model");
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(saved));
        var external = proto.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).ToList();
        var big = OnnxModelIO.Load(source).Graph.Initializers.Where(v => v.Initializer!.ByteLength >= 1024).Select(v => v.Name).ToList();
        CollectionAssert.AreEquivalent(big, external.Select(t => t.Name).ToList(), "every initializer of 1 KiB or more goes external");
        Assert.IsTrue(external.All(t => t.ExternalData.Single(e => e.Key == "location").Value == "model.onnx.data"));
        long externalBytes = OnnxModelIO.Load(source).Graph.Initializers.Where(v => big.Contains(v.Name)).Sum(v => v.Initializer!.ByteLength);
        Assert.IsLessThan(new FileInfo(source).Length - externalBytes + 256 * external.Count, new FileInfo(saved).Length,
            "the model file should shrink by the bytes moved out");
        Assert.IsGreaterThanOrEqualTo(externalBytes, new FileInfo(saved + ".data").Length);
        AssertSameOrtOutputs(fixture, saved);
        AssertNoTemporaryFiles();
    }

    [TestMethod]
    public void Reloaded_weights_stay_on_disk_until_read()
    {
        var saved = Path.Combine(_dir, "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), saved, Always);

        var model = OnnxModelIO.Load(saved);

        var externals = model.Graph.Initializers.Where(v => v.Initializer!.Storage is ExternalStorage).ToList();
        Assert.IsNotEmpty(externals);
        foreach (var v in externals)
        {
            var storage = (ExternalStorage)v.Initializer!.Storage;
            Assert.AreEqual(Path.GetFullPath(saved + ".data"), storage.Path);
            Assert.IsFalse(storage.IsInMemory, v.Name);
        }
        // Overwrite one tensor's bytes on disk after loading: if Load had read them, the old values would show.
        var probe = (ExternalStorage)externals[0].Initializer!.Storage;
        using (var file = new FileStream(probe.Path, FileMode.Open, FileAccess.Write))
        {
            file.Seek(probe.Offset, SeekOrigin.Begin);
            file.Write(Enumerable.Repeat((byte)0x42, (int)probe.Length).ToArray());
        }
        Assert.IsTrue(externals[0].Initializer!.RawBytes.All(b => b == 0x42), "tensor bytes were read before they were touched");
    }

    [TestMethod]
    public void Reloaded_weights_equal_the_original_weights()
    {
        var original = OnnxModelIO.Load(FixturePath(Fixture));
        var saved = Path.Combine(_dir, "model.onnx");
        OnnxModelIO.Save(original, saved, Always);

        AssertSameWeights(OnnxModelIO.Load(FixturePath(Fixture)), OnnxModelIO.Load(saved), "reloaded");
    }

    [TestMethod]
    public void Saving_over_the_file_it_was_loaded_from_stays_correct()
    {
        // The re-save moves more tensors out (threshold 8 KiB, then 1 KiB), so the data file's layout changes and
        // tensors that stayed external sit at new offsets.
        var path = Path.Combine(_dir, "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), path, Always with { ExternalDataThreshold = 8192 });
        var model = OnnxModelIO.Load(path);
        Assert.IsTrue(model.Graph.Initializers.Any(v => v.Initializer!.ByteLength is >= 1024 and < 8192 && v.Initializer.Storage is DeferredStorage),
            "premise: the re-save moves some tensors out");

        OnnxModelIO.Save(model, path, Always);

        var reference = OnnxModelIO.Load(FixturePath(Fixture));
        // The in-memory model now reads the new data file (the old one was replaced), at the right offsets.
        foreach (var v in model.Graph.Initializers)
            if (v.Initializer!.Storage is ExternalStorage s) Assert.AreEqual(Path.GetFullPath(path + ".data"), s.Path, v.Name);
        AssertSameWeights(reference, model, "in-memory model after the re-save");
        AssertSameWeights(reference, OnnxModelIO.Load(path), "file after the re-save");
        AssertSameOrtOutputs(Fixture, path);
        AssertNoTemporaryFiles();
    }

    [TestMethod]
    public void Saving_over_the_loaded_file_keeps_tensors_that_move_inline()
    {
        // Everything external first; the re-save (default threshold 1 KiB) then moves the small tensors inline while
        // the data file they were loaded from is replaced by one without them.
        var path = Path.Combine(_dir, "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), path, Always with { ExternalDataThreshold = 0 });
        var model = OnnxModelIO.Load(path);
        Assert.IsTrue(model.Graph.Initializers.Any(v => v.Initializer!.ByteLength < 1024 && v.Initializer.Storage is ExternalStorage),
            "premise: some small tensors are external");

        OnnxModelIO.Save(model, path, Always);

        var reference = OnnxModelIO.Load(FixturePath(Fixture));
        AssertSameWeights(reference, model, "in-memory model after the re-save");
        AssertSameWeights(reference, OnnxModelIO.Load(path), "file after the re-save");
        var again = Path.Combine(_dir, "again", "model.onnx");
        OnnxModelIO.Save(model, again);
        AssertSameWeights(reference, OnnxModelIO.Load(again), "a further save of the same in-memory model");
        AssertSameOrtOutputs(Fixture, path);
    }

    [TestMethod]
    public void Auto_keeps_external_tensors_external()
    {
        var first = Path.Combine(_dir, "first", "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), first, Always);
        var second = Path.Combine(_dir, "second", "model.onnx");

        OnnxModelIO.Save(OnnxModelIO.Load(first), second);

        CollectionAssert.AreEquivalent(ExternalNames(first), ExternalNames(second));
        Assert.IsTrue(File.Exists(second + ".data"));
        AssertSameOrtOutputs(Fixture, second);
    }

    [TestMethod]
    public void Auto_keeps_inline_tensors_inline()
    {
        var saved = Path.Combine(_dir, "model.onnx");

        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), saved);

        Assert.IsEmpty(ExternalNames(saved));
        Assert.IsFalse(File.Exists(saved + ".data"), "no data file is needed when nothing is external");
    }

    [TestMethod]
    public void Never_inlines_external_tensors()
    {
        var first = Path.Combine(_dir, "first", "model.onnx");
        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), first, Always);
        var second = Path.Combine(_dir, "second", "model.onnx");

        OnnxModelIO.Save(OnnxModelIO.Load(first), second, new SaveOptions { ExternalData = ExternalDataMode.Never });

        Assert.IsEmpty(ExternalNames(second));
        Assert.IsFalse(File.Exists(second + ".data"));
        Assert.IsFalse(OnnxModelIO.Load(second).Graph.Initializers.Any(v => v.Initializer!.Storage is ExternalStorage));
        AssertSameWeights(OnnxModelIO.Load(FixturePath(Fixture)), OnnxModelIO.Load(second), "inlined");
        AssertSameOrtOutputs(Fixture, second);
    }

    [TestMethod]
    public void External_data_file_name_can_be_chosen()
    {
        var saved = Path.Combine(_dir, "model.onnx");

        OnnxModelIO.Save(OnnxModelIO.Load(FixturePath(Fixture)), saved, Always with { ExternalDataFileName = "weights.bin" });

        Assert.IsTrue(File.Exists(Path.Combine(_dir, "weights.bin")));
        Assert.IsFalse(File.Exists(saved + ".data"));
        var locations = ModelProto.Parser.ParseFrom(File.ReadAllBytes(saved)).Graph.Initializer
            .SelectMany(t => t.ExternalData).Where(e => e.Key == "location").Select(e => e.Value).Distinct().ToList();
        CollectionAssert.AreEqual(new[] { "weights.bin" }, locations);
        AssertSameOrtOutputs(Fixture, saved);
    }

    [TestMethod]
    public void External_data_file_name_must_be_a_plain_name()
    {
        var model = OnnxModelIO.Load(FixturePath(Fixture));

        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            OnnxModelIO.Save(model, Path.Combine(_dir, "model.onnx"), Always with { ExternalDataFileName = Path.Combine("sub", "w.bin") }));
        Assert.Contains("plain file name", e.Message);
    }

    private static string FixturePath(string fixture) => Path.Combine(TestPaths.FixtureModels, fixture, "model.onnx");

    private static List<string> ExternalNames(string path) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer
            .Where(t => t.DataLocation == TensorProto.Types.DataLocation.External).Select(t => t.Name).ToList();

    private static void AssertSameWeights(Model expected, Model actual, string label)
    {
        CollectionAssert.AreEqual(expected.Graph.Initializers.Select(v => v.Name).ToList(), actual.Graph.Initializers.Select(v => v.Name).ToList(), label);
        foreach (var (a, b) in expected.Graph.Initializers.Zip(actual.Graph.Initializers))
            Assert.IsTrue(a.Initializer!.ContentEquals(b.Initializer!), $"{label}: bytes of '{a.Name}' differ");
    }

    private static void AssertSameOrtOutputs(string fixture, string savedPath)
    {
        var inputs = OrtHarness.FixtureInputs(Path.Combine(TestPaths.FixtureModels, fixture));
        var expected = OrtHarness.Run(FixturePath(fixture), inputs);
        var actual = OrtHarness.Run(savedPath, inputs);
        Assert.HasCount(expected.Count, actual);
        foreach (var (name, tensor) in expected)
            Assert.IsTrue(tensor.ContentEquals(actual[name]), $"{fixture}: output '{name}' is not bit-identical");
    }

    private void AssertNoTemporaryFiles()
    {
        var left = Directory.GetFiles(_dir, "*.tmp-*", SearchOption.AllDirectories);
        Assert.IsEmpty(left, string.Join(", ", left));
    }
}

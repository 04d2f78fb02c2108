using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.IR;

/// <summary>Loading a model reads no initializer bytes; each tensor's bytes are produced when first asked for.</summary>
[TestClass]
public sealed class LazyLoadingTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Loading_reads_no_initializer(string fixture)
    {
        var model = OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, fixture, "model_train.onnx"));

        Assert.IsNotEmpty(model.Graph.Initializers);
        foreach (var v in model.Graph.Initializers)
        {
            Assert.IsInstanceOfType<DeferredStorage>(v.Initializer!.Storage, v.Name);
            Assert.IsFalse(v.Initializer.Storage.IsInMemory, $"'{v.Name}' was read during loading");
        }
    }

    [TestMethod]
    public void Reading_one_tensor_reads_only_that_one()
    {
        var path = Path.Combine(TestPaths.FixtureModels, "gpt2", "model.onnx");
        var model = OnnxModelIO.Load(path);
        var wte = model.Graph.FindInitializer("wte.weight")!.Initializer!;

        var values = wte.ToArray<float>();

        Assert.IsTrue(wte.Storage.IsInMemory);
        Assert.AreEqual(1, model.Graph.Initializers.Count(v => v.Initializer!.Storage.IsInMemory));
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Single(t => t.Name == "wte.weight");
        CollectionAssert.AreEqual(proto.RawData.ToByteArray(), wte.RawBytes);
        Assert.HasCount((int)wte.ElementCount, values);
    }

    [TestMethod]
    public void Typed_field_tensor_is_decoded_only_when_read()
    {
        var tensor = new TensorProto { Name = "w", DataType = (int)DataType.Float };
        tensor.Dims.Add(2);
        tensor.FloatData.AddRange([1.5f, -2f]);
        var graph = new GraphProto { Name = "g" };
        graph.Initializer.Add(tensor);
        graph.Output.Add(new ValueInfoProto { Name = "w" });
        var proto = new ModelProto { IrVersion = 8, Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });

        var storage = OnnxModelIO.Load(proto.ToByteArray()).Graph.FindInitializer("w")!.Initializer!.Storage;

        Assert.IsFalse(storage.IsInMemory);
        CollectionAssert.AreEqual(new[] { 1.5f, -2f }, OnnxModelIO.Load(proto.ToByteArray()).Graph.FindInitializer("w")!.Initializer!.ToArray<float>());
        storage.ReadAll();
        Assert.IsTrue(storage.IsInMemory);
    }

    [TestMethod]
    public void External_tensors_stay_on_disk_after_loading()
    {
        var dir = TestPaths.TempDirectory("lazy");
        try
        {
            var path = Path.Combine(dir, "model.onnx");
            OnnxModelIO.Save(OnnxModelIO.Load(Path.Combine(TestPaths.FixtureModels, "llama", "model.onnx")), path,
                new SaveOptions { ExternalData = ExternalDataMode.Always });

            var model = OnnxModelIO.Load(path);

            var external = model.Graph.Initializers.Where(v => v.Initializer!.Storage is ExternalStorage).ToList();
            Assert.IsNotEmpty(external);
            Assert.IsTrue(external.All(v => !v.Initializer!.Storage.IsInMemory));
            // Small tensors stayed inline in the model file, and are deferred like any other.
            Assert.IsTrue(model.Graph.Initializers.Except(external).All(v => v.Initializer!.Storage is DeferredStorage { IsInMemory: false }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

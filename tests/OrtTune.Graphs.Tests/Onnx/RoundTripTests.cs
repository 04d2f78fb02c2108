using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>load → save → load keeps every fixture intact: same structure, same bytes, bit-identical ORT outputs.</summary>
[TestClass]
public sealed class RoundTripTests
{
    public static IEnumerable<object[]> FixtureFiles() =>
        TestPaths.FixtureNames.SelectMany(n => new[] { new object[] { n, "model.onnx" }, [n, "model_train.onnx"] });

    [TestMethod]
    [DynamicData(nameof(FixtureFiles))]
    public void Fixture_round_trips_with_identical_outputs(string fixture, string file)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        AssertRoundTrip(Path.Combine(dir, file), OrtHarness.FixtureInputs(dir), $"{fixture}/{file}");
    }

    [TestMethod]
    public void Stories260K_round_trips_with_identical_outputs()
    {
        var path = TestPaths.RequireShared("data", "models", "stories260K", "stories260K.onnx");
        var ids = Npy.Read(Path.Combine(TestPaths.Stories260K, "ref_ids.npy"));
        var input = Tensor.FromArray(ids.ToArray<long>(), 1, ids.ElementCount);
        AssertRoundTrip(path, new Dictionary<string, Tensor> { ["input_ids"] = input }, "stories260K");
    }

    /// <summary>
    /// Training exports run Dropout, which draws fresh randomness per session unless seeded. Seeding every Dropout in
    /// the protobuf itself (not through the IR under test) makes both runs deterministic and comparable.
    /// </summary>
    private static string SeedDropouts(string path, string dir)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var dropouts = proto.Graph.Node.Where(n => n.OpType == "Dropout").ToList();
        if (dropouts.Count == 0) return path;
        foreach (var n in dropouts)
            n.Attribute.Add(new AttributeProto { Name = "seed", Type = AttributeProto.Types.AttributeType.Int, I = 1234 });
        var seeded = Path.Combine(dir, "seeded.onnx");
        File.WriteAllBytes(seeded, proto.ToByteArray());
        return seeded;
    }

    private static void AssertRoundTrip(string path, Dictionary<string, Tensor> inputs, string label)
    {
        var dir = TestPaths.TempDirectory("roundtrip");
        try
        {
            path = SeedDropouts(path, dir);
            var original = OnnxModelIO.Load(path);
            var savedPath = Path.Combine(dir, "model.onnx");
            OnnxModelIO.Save(original, savedPath);
            var reloaded = OnnxModelIO.Load(savedPath);

            CollectionAssert.AreEqual(original.Graph.Nodes.Select(n => n.QualifiedOpType).ToList(),
                reloaded.Graph.Nodes.Select(n => n.QualifiedOpType).ToList(), $"{label}: node list changed");
            CollectionAssert.AreEqual(original.Graph.Initializers.Select(v => v.Name).ToList(),
                reloaded.Graph.Initializers.Select(v => v.Name).ToList(), $"{label}: initializers changed");
            foreach (var (a, b) in original.Graph.Initializers.Zip(reloaded.Graph.Initializers))
                Assert.IsTrue(a.Initializer!.ContentEquals(b.Initializer!), $"{label}: bytes of '{a.Name}' changed");
            CollectionAssert.AreEqual(original.OpsetImports.ToList(), reloaded.OpsetImports.ToList(), $"{label}: opset imports changed");

            var expected = OrtHarness.Run(path, inputs);
            var actual = OrtHarness.Run(savedPath, inputs);
            Assert.AreEqual(expected.Count, actual.Count);
            foreach (var (name, tensor) in expected)
                Assert.IsTrue(tensor.ContentEquals(actual[name]), $"{label}: output '{name}' is not bit-identical after the round trip");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

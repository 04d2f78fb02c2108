using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// A model past protobuf's 2 GB limit: saving must move its weights into external data on its own, ORT must run
/// the result, and a lazily loaded copy must save by streaming, without reading the weights into memory.
/// </summary>
[TestClass]
public sealed class LargeModelTests
{
    // Two float tables of 4.4M x 64 = 1.13 GB each: 2.25 GB together, past 2^31 bytes.
    private const long Rows = 4_400_000;
    private const int Width = 64;
    private static readonly long[] KnownRows = [0, 1_234_567, Rows - 1];
    private static readonly long[] Ids = [Rows - 1, 0, 7, 1_234_567];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Model_over_2GB_round_trips_through_external_data()
    {
        var root = TestPaths.TempDirectory("large");
        try
        {
            if (new DriveInfo(root).AvailableFreeSpace < 6L << 30)
                Assert.Inconclusive("Skipped: needs 6 GB of free space in the temp folder for two copies of a 2.25 GB model.");
            var clock = Stopwatch.StartNew();
            var first = Path.Combine(root, "first", "model.onnx");
            SaveInMemoryModel(first);
            // The arrays are unreachable now; collect them before ORT maps its own copy.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TestContext.WriteLine($"built and saved: {clock.Elapsed.TotalSeconds:F1} s");

            AssertExternalModel(first);
            AssertOrtOutput(first);
            TestContext.WriteLine($"ORT on the first copy: {clock.Elapsed.TotalSeconds:F1} s");

            var loaded = OnnxModelIO.Load(first);
            foreach (var v in loaded.Graph.Initializers)
                Assert.IsInstanceOfType<ExternalStorage>(v.Initializer!.Storage, v.Name);
            var second = Path.Combine(root, "second", "model.onnx");
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            OnnxModelIO.Save(loaded, second);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            Assert.IsLessThan(64L << 20, allocated, "the streaming copy allocated as if it read the weights into memory");
            foreach (var v in loaded.Graph.Initializers)
                Assert.AreEqual(Path.GetFullPath(second + ".data"), ((ExternalStorage)v.Initializer!.Storage).Path, v.Name);
            TestContext.WriteLine($"streamed copy ({allocated >> 20} MB allocated): {clock.Elapsed.TotalSeconds:F1} s");

            // The second copy must stand alone.
            Directory.Delete(Path.GetDirectoryName(first)!, recursive: true);
            AssertExternalModel(second);
            AssertOrtOutput(second);
            TestContext.WriteLine($"total {clock.Elapsed.TotalSeconds:F1} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Model_over_2GB_cannot_be_one_protobuf()
    {
        var model = BuildModel();

        var toBytes = Assert.ThrowsExactly<OrtTuneException>(() => OnnxModelIO.ToBytes(model));
        Assert.Contains("2 GB", toBytes.Message);

        var dir = TestPaths.TempDirectory("large-never");
        try
        {
            var path = Path.Combine(dir, "model.onnx");
            var never = Assert.ThrowsExactly<OrtTuneException>(() =>
                OnnxModelIO.Save(model, path, new SaveOptions { ExternalData = ExternalDataMode.Never }));
            Assert.Contains("2 GB", never.Message);
            Assert.IsEmpty(Directory.GetFiles(dir), "a refused save wrote files");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Builds and saves with default options in a frame of its own, so the arrays die when it returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SaveInMemoryModel(string path)
    {
        var model = BuildModel();
        Assert.IsTrue(model.Graph.Initializers.All(v => v.Initializer!.Storage.IsInMemory));
        OnnxModelIO.Save(model, path);
    }

    /// <summary>out = Gather(emb_a, ids) + Gather(emb_b, ids), with only the rows in <see cref="KnownRows"/> non-zero.</summary>
    private static Model BuildModel()
    {
        var graph = new Graph("large");
        var ids = graph.AddInput("ids", new TensorType(DataType.Int64, new Shape(Ids.Length)));
        var a = graph.AddInitializer("emb_a", Tensor.FromRaw(DataType.Float, [Rows, Width], Table(RowA)));
        var b = graph.AddInitializer("emb_b", Tensor.FromRaw(DataType.Float, [Rows, Width], Table(RowB)));
        var ga = graph.Append(new Node("", "Gather", [a, ids], ["ga"], name: "gather_a")).Outputs[0]!;
        var gb = graph.Append(new Node("", "Gather", [b, ids], ["gb"], name: "gather_b")).Outputs[0]!;
        var sum = graph.Append(new Node("", "Add", [ga, gb], ["out"], name: "add")).Outputs[0]!;
        sum.Type = new TensorType(DataType.Float, new Shape(Ids.Length, Width));
        graph.Outputs.Add(sum);
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = 17;
        return model;
    }

    private static byte[] Table(Func<long, int, float> row)
    {
        var bytes = new byte[Rows * Width * sizeof(float)];
        foreach (long r in KnownRows)
        {
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(checked((int)(r * Width * sizeof(float))), Width * sizeof(float)));
            for (int j = 0; j < Width; j++) values[j] = row(r, j);
        }
        return bytes;
    }

    private static float RowA(long r, int j) => 1000f * (Array.IndexOf(KnownRows, r) + 1) + j;
    private static float RowB(long r, int j) => -0.5f * j - Array.IndexOf(KnownRows, r);

    private static void AssertExternalModel(string path)
    {
        Assert.IsGreaterThan(1L << 31, new FileInfo(path + ".data").Length, "the data file should pass 2^31 bytes");
        Assert.IsLessThan(1L << 20, new FileInfo(path).Length, "the model file should hold no weights");
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.IsTrue(proto.Graph.Initializer.All(t => t.DataLocation == TensorProto.Types.DataLocation.External));
    }

    private static void AssertOrtOutput(string path)
    {
        var output = OrtHarness.Run(path, new Dictionary<string, Tensor> { ["ids"] = Tensor.Vector(Ids) })["out"];

        CollectionAssert.AreEqual(new long[] { Ids.Length, Width }, output.Dims.ToArray());
        var values = output.ToArray<float>();
        for (int i = 0; i < Ids.Length; i++)
        {
            long r = Ids[i];
            bool known = KnownRows.Contains(r);
            for (int j = 0; j < Width; j++)
            {
                float expected = known ? RowA(r, j) + RowB(r, j) : 0f;
                Assert.AreEqual(expected, values[i * Width + j], $"row {r}, column {j}");
            }
        }
    }
}

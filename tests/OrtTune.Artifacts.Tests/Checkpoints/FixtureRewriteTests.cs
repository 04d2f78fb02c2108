using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Real checkpoints read and written again by OrtTune.</summary>
[TestClass]
public sealed class FixtureRewriteTests
{
    [TestMethod]
    [DynamicData(nameof(CheckpointFixtures.All), typeof(CheckpointFixtures))]
    public void DefaultRewriteReadsBackWithIdenticalContentAsVersion2(string fixture)
    {
        var original = CheckpointReader.Read(CheckpointFixtures.Require(fixture));
        var dir = CheckpointFixtures.TempDirectory("rewrite");
        var path = Path.Combine(dir, "checkpoint");

        CheckpointWriter.Write(original, path);
        var reread = CheckpointReader.Read(path);

        Assert.AreEqual(2, reread.Version);
        Assert.IsNull(CheckpointComparison.FirstDifference(original, reread, ignoreOrder: true, ignoreVersion: true));
        // The default sorts by name, as ONNX Runtime's own checkpoint save does.
        CollectionAssert.AreEqual(original.TrainableParameters.Select(t => t.Name).Order(StringComparer.Ordinal).ToArray(),
            reread.TrainableParameters.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "checkpoint" }, Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).ToArray());
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    [DynamicData(nameof(CheckpointFixtures.All), typeof(CheckpointFixtures))]
    public void UnsortedRewriteInTheSameVersionIsByteIdentical(string fixture)
    {
        // Our builder makes the same calls in the same order as ORT's offline generator, so the bytes match too.
        var path = CheckpointFixtures.Require(fixture);
        var bytes = File.ReadAllBytes(path);
        var checkpoint = CheckpointReader.Read(path);

        var rewritten = CheckpointWriter.ToBytes(checkpoint, new CheckpointWriteOptions { Version = checkpoint.Version, SortByName = false });

        Assert.AreEqual(bytes.Length, rewritten.Length);
        Assert.AreEqual(bytes.Length, bytes.AsSpan().CommonPrefixLength(rewritten), "first differing byte");
    }

    [TestMethod]
    public void MnistVersion1ResavedAsVersion2EqualsThePatchedFile()
    {
        var v1 = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.MnistV1));
        var expected = File.ReadAllBytes(CheckpointFixtures.Require(CheckpointFixtures.MnistV2));

        var rewritten = CheckpointWriter.ToBytes(v1, new CheckpointWriteOptions { SortByName = false });

        CollectionAssert.AreEqual(expected, rewritten);
    }

    [TestMethod]
    public void MnistVersion1IsRefusedBy119UntilResaved()
    {
        var v1 = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.MnistV1));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => CheckpointCompatibility.ThrowIfRejected(v1, "1.19.2"));
        Assert.Contains("version 1", e.Message);
        Assert.Contains("re-save it with OrtTune", e.Message);

        var resaved = CheckpointReader.Read(CheckpointWriter.ToBytes(v1));
        CheckpointCompatibility.ThrowIfRejected(resaved, "1.19.2");
        Assert.AreEqual(CheckpointAcceptance.Accepted, CheckpointCompatibility.Check(resaved, "1.19.2").Acceptance);
    }
}

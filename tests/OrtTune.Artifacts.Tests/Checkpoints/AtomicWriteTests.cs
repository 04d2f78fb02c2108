using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Writing replaces the target all at once; a failure leaves the old file and no temporary file.</summary>
[TestClass]
public sealed class AtomicWriteTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = CheckpointFixtures.TempDirectory("atomic");

    [TestCleanup]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Target => Path.Combine(_dir, "checkpoint");

    private string[] Entries() => [.. Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [TestMethod]
    public void NewFileIsWrittenWithNothingElseLeft()
    {
        CheckpointWriter.Write(SampleCheckpoints.Small(), Target);

        CollectionAssert.AreEqual(new[] { "checkpoint" }, Entries());
        Assert.HasCount(2, CheckpointReader.Read(Target).TrainableParameters);
    }

    [TestMethod]
    public void ExistingFileIsReplaced()
    {
        File.WriteAllText(Target, "old content");

        CheckpointWriter.Write(SampleCheckpoints.Small(), Target);

        CollectionAssert.AreEqual(CheckpointWriter.ToBytes(SampleCheckpoints.Small()), File.ReadAllBytes(Target));
        CollectionAssert.AreEqual(new[] { "checkpoint" }, Entries());
    }

    [TestMethod]
    public void InvalidCheckpointNeverTouchesTheDisk()
    {
        File.WriteAllText(Target, "old content");
        var bad = new TrainingCheckpoint { TrainableParameters = [NamedTensor.WithoutData("w", TensorElementType.Float, [2])] };

        Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.Write(bad, Target));

        Assert.AreEqual("old content", File.ReadAllText(Target));
        CollectionAssert.AreEqual(new[] { "checkpoint" }, Entries());
    }

    [TestMethod]
    public void FailureWhileWritingKeepsTheOldFileAndRemovesTheTemporaryFile()
    {
        File.WriteAllText(Target, "old content");
        string? tempSeen = null;

        var e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(Target, stream =>
        {
            stream.Write(new byte[100_000]);
            stream.Flush();
            tempSeen = ((FileStream)stream).Name;
            throw new IOException("disk full (simulated)");
        }));

        Assert.AreEqual("disk full (simulated)", e.Message);
        Assert.IsNotNull(tempSeen);
        Assert.AreEqual(_dir, Path.GetDirectoryName(tempSeen), "the temporary file is in the target's folder");
        Assert.IsFalse(File.Exists(tempSeen));
        Assert.AreEqual("old content", File.ReadAllText(Target));
        CollectionAssert.AreEqual(new[] { "checkpoint" }, Entries());
    }

    [TestMethod]
    public void TargetThatIsADirectoryIsRefused()
    {
        Directory.CreateDirectory(Target);
        File.WriteAllText(Path.Combine(Target, "inside"), "x");

        Assert.ThrowsExactly<IOException>(() => CheckpointWriter.Write(SampleCheckpoints.Small(), Target));

        Assert.AreEqual("x", File.ReadAllText(Path.Combine(Target, "inside")));
        CollectionAssert.AreEqual(new[] { "checkpoint" }, Entries());
    }

    [TestMethod]
    public void MissingFolderIsReportedAndNothingIsCreated()
    {
        var target = Path.Combine(_dir, "missing", "checkpoint");

        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => CheckpointWriter.Write(SampleCheckpoints.Small(), target));

        Assert.Contains("does not exist", e.Message);
        Assert.IsEmpty(Entries());
    }

    [TestMethod]
    public void ReadingADirectoryExplainsTheOldFormat()
    {
        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => CheckpointReader.Read(_dir));
        Assert.Contains("this is a directory", e.Message);
    }

    [TestMethod]
    public void ReadingAMissingFileIsFileNotFound() =>
        Assert.ThrowsExactly<FileNotFoundException>(() => CheckpointReader.Read(Target));
}

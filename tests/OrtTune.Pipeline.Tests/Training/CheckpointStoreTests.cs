using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Tests.Training;

[TestClass]
public sealed class CheckpointStoreTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = Path.Combine(Path.GetTempPath(), "orttune-store-" + Guid.NewGuid().ToString("N")[..8]);

    [TestCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static TrainingCheckpoint Checkpoint(long step) => new()
    {
        TrainableParameters = [NamedTensor.FromValues<float>("w", [1], [step])],
    };

    [TestMethod]
    public void Keeps_the_newest_n_and_the_best_and_survives_reopening()
    {
        var store = new CheckpointStore(_dir, keepLast: 2);
        store.Save(Checkpoint(1), 1, isBest: false);
        store.Save(Checkpoint(2), 2, isBest: true);
        for (long s = 3; s <= 6; s++) store.Save(Checkpoint(s), s, isBest: false);
        CollectionAssert.AreEqual(new[] { "step-00000002", "step-00000005", "step-00000006" },
            Directory.GetFiles(_dir, "step-*").Select(Path.GetFileName).Order().ToArray());
        // A new best lets the old one go.
        store.Save(Checkpoint(7), 7, isBest: true);
        CollectionAssert.AreEqual(new[] { "step-00000006", "step-00000007" },
            Directory.GetFiles(_dir, "step-*").Select(Path.GetFileName).Order().ToArray());

        // A kill while writing leaves a temporary file; reopening the folder removes it and reads the index.
        File.WriteAllText(Path.Combine(_dir, ".step-00000008.0123.tmp"), "torn");
        var reopened = new CheckpointStore(_dir);
        Assert.IsEmpty(Directory.GetFiles(_dir, ".*.tmp"));
        Assert.AreEqual(Path.Combine(_dir, "step-00000007"), reopened.Latest);
        Assert.AreEqual(reopened.Latest, reopened.Best);
        Assert.AreEqual(7f, CheckpointReader.Read(CheckpointStore.Resolve(Path.Combine(_dir, "best"))).TrainableParameters[0].ToArray<float>()[0]);
    }

    [TestMethod]
    public void Resolve_says_what_is_missing()
    {
        Assert.Contains("does not exist", Assert.ThrowsExactly<FileNotFoundException>(() => CheckpointStore.Resolve(Path.Combine(_dir, "step-1"))).Message);
        Directory.CreateDirectory(_dir);
        Assert.Contains("holds no checkpoint", Assert.ThrowsExactly<FileNotFoundException>(() => CheckpointStore.Resolve(_dir)).Message);
        File.WriteAllText(Path.Combine(_dir, CheckpointStore.IndexName), "{ not json");
        Assert.Contains("not a checkpoint index", Assert.ThrowsExactly<InvalidDataException>(() => CheckpointStore.Resolve(_dir)).Message);
    }
}

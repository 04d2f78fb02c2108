using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

[TestClass]
public sealed class CheckpointCompatibilityTests
{
    [TestMethod]
    public void Runtime119NeedsVersion2()
    {
        Assert.AreEqual(2, CheckpointCompatibility.RequiredVersion(new Version(1, 19, 2)));
        Assert.AreEqual(2, CheckpointCompatibility.RequiredVersion(new Version(1, 19)));
        Assert.IsNull(CheckpointCompatibility.RequiredVersion(new Version(1, 22, 0)));
    }

    [TestMethod]
    public void Version1On119IsRejectedWithAFix()
    {
        var report = CheckpointCompatibility.Check(1, "1.19.2");

        Assert.AreEqual(CheckpointAcceptance.Rejected, report.Acceptance);
        Assert.AreEqual(2, report.RequiredVersion);
        Assert.AreEqual(
            "this checkpoint is version 1; ONNX Runtime training 1.19 needs version 2; re-save it with OrtTune (CheckpointWriter, Version = 2, the default).",
            report.Message);
    }

    [TestMethod]
    public void Version2On119IsAccepted()
    {
        var report = CheckpointCompatibility.Check(2, new Version(1, 19, 0));
        Assert.AreEqual(CheckpointAcceptance.Accepted, report.Acceptance);
        Assert.AreEqual("this checkpoint is version 2, which ONNX Runtime training 1.19 accepts.", report.Message);
    }

    [TestMethod]
    public void NewerCheckpointOn119IsRejectedAndCannotBeFixedByVersion()
    {
        var report = CheckpointCompatibility.Check(3, "1.19.2");
        Assert.AreEqual(CheckpointAcceptance.Rejected, report.Acceptance);
        Assert.Contains("needs version 2", report.Message);
    }

    [TestMethod]
    public void UnverifiedRuntimeIsUnknownAndSaysWhatIsKnown()
    {
        var report = CheckpointCompatibility.Check(2, "1.22.0");

        Assert.AreEqual(CheckpointAcceptance.Unknown, report.Acceptance);
        Assert.IsNull(report.RequiredVersion);
        Assert.Contains("no verified record", report.Message);
        Assert.Contains("1.19 needs version 2", report.Message);
        // Unknown is not a refusal.
        CheckpointCompatibility.ThrowIfRejected(new TrainingCheckpoint { Version = 1 }, "1.22.0");
    }

    [TestMethod]
    public void ThrowIfRejectedThrowsTheMessage()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => CheckpointCompatibility.ThrowIfRejected(new TrainingCheckpoint { Version = 1 }, "1.19.2"));
        Assert.StartsWith("this checkpoint is version 1; ONNX Runtime training 1.19 needs version 2", e.Message);
    }

    [TestMethod]
    [DataRow("1.19.2", 1, 19)]
    [DataRow("v1.19.2-dev.20240801", 1, 19)]
    [DataRow(" 1.20 ", 1, 20)]
    [DataRow("2", 2, 0)]
    public void RuntimeVersionsParse(string text, int major, int minor)
    {
        var v = CheckpointCompatibility.ParseRuntimeVersion(text);
        Assert.AreEqual((major, minor), (v.Major, v.Minor));
    }

    [TestMethod]
    public void BadRuntimeVersionIsAFormatError() =>
        Assert.ThrowsExactly<FormatException>(() => CheckpointCompatibility.ParseRuntimeVersion("latest"));

    [TestMethod]
    public void WriterDefaultIsWhatTheKnownRuntimeNeeds() =>
        Assert.AreEqual(CheckpointCompatibility.RequiredVersion(new Version(1, 19)), CheckpointWriteOptions.Default.Version);
}

using System.Buffers.Binary;
using OrtTune.Artifacts.Checkpoints;
using Slots = OrtTune.Artifacts.Checkpoints.CheckpointFormat;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Truncated, mislabelled and corrupted files give a <see cref="CheckpointFormatException"/> that says what is wrong.</summary>
[TestClass]
public sealed class CheckpointCorruptionTests
{
    private static readonly byte[] Sample = CheckpointWriter.ToBytes(SampleCheckpoints.Full());

    [TestMethod]
    public void EveryLengthUpTo8IsTooShort()
    {
        for (var n = 0; n < 8; n++)
        {
            var e = Read(Sample[..n]);
            Assert.Contains($"too short ({n} bytes)", e.Message);
        }
    }

    [TestMethod]
    public void EveryLengthFrom8To64IsTruncated()
    {
        for (var n = 8; n <= 64; n++)
        {
            var e = Read(Sample[..n]);
            Assert.Contains("truncated", e.Message, $"length {n}: {e.Message}");
        }
    }

    [TestMethod]
    public void EveryCutOfTheSampleIsDetected() => AssertEveryCutDetected(Sample);

    [TestMethod]
    public void EveryCutOfARealCheckpointIsDetected() =>
        AssertEveryCutDetected(File.ReadAllBytes(CheckpointFixtures.Require(CheckpointFixtures.LoRA)));

    [TestMethod]
    public void LargerCutsOfTheMnistCheckpointAreDetected()
    {
        var bytes = File.ReadAllBytes(CheckpointFixtures.Require(CheckpointFixtures.MnistV1));
        foreach (var n in new[] { 65, 100, 1000, 20_000, bytes.Length / 2, bytes.Length - 100, bytes.Length - 4 })
        {
            var e = Read(bytes[..n]);
            Assert.Contains("truncated", e.Message, $"length {n}: {e.Message}");
        }
    }

    [TestMethod]
    public void TruncatedFileNamesTheFileAndTheField()
    {
        var dir = CheckpointFixtures.TempDirectory("truncated");
        var path = Path.Combine(dir, "checkpoint");
        File.WriteAllBytes(path, Sample[..(Sample.Length / 2)]);

        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => CheckpointReader.Read(path));

        Assert.AreEqual(path, e.FilePath);
        Assert.StartsWith($"Invalid ONNX Runtime training checkpoint '{path}': (version 2 checkpoint) checkpoint.module_state", e.Message);
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    [DataRow("ODTX")]
    [DataRow("odtc")]
    [DataRow("\0\0\0\0")]
    public void WrongIdentifierIsNotACheckpoint(string identifier)
    {
        var bytes = (byte[])Sample.Clone();
        for (var i = 0; i < 4; i++) bytes[4 + i] = (byte)identifier[i];

        var e = Read(bytes);

        Assert.Contains("not \"ODTC\": this is not an ONNX Runtime training checkpoint", e.Message);
        Assert.AreEqual(4L, e.Offset);
    }

    [TestMethod]
    [DataRow(3, "checkpoint version 3 is not supported; OrtTune reads versions 1 and 2")]
    [DataRow(1000, "checkpoint version 1000 is not supported")]
    [DataRow(0, "checkpoint version 0 is invalid")]
    [DataRow(-1, "checkpoint version -1 is invalid")]
    public void UnsupportedVersionIsReported(int version, string message)
    {
        var bytes = FbProbe.WithInt32(Sample, FbProbe.Field(Sample, FbProbe.RootTable(Sample), Slots.Checkpoint.Version), version);

        var e = Read(bytes);

        Assert.Contains(message, e.Message);
        Assert.AreEqual(version, e.Version);
        Assert.AreEqual(version, CheckpointReader.ReadVersion(bytes));
    }

    [TestMethod]
    public void RootOffsetOutsideTheBuffer()
    {
        var e = Read(FbProbe.WithInt32(Sample, 0, Sample.Length + 100));
        Assert.Contains("the root table (checkpoint) is referenced at byte 0", e.Message);
        Assert.Contains("beyond the end of the data", e.Message);
    }

    [TestMethod]
    public void ModuleStateOffsetOutsideTheBuffer()
    {
        var at = FbProbe.Field(Sample, FbProbe.RootTable(Sample), Slots.Checkpoint.ModuleState);
        var e = Read(FbProbe.WithInt32(Sample, at, int.MaxValue));
        Assert.Contains("checkpoint.module_state is referenced at byte", e.Message);
    }

    [TestMethod]
    public void VectorLengthBeyondTheBuffer()
    {
        var vector = FbProbe.Ref(Sample, Module(Sample), Slots.ModuleState.RequiresGradParams);
        var e = Read(FbProbe.WithInt32(Sample, vector, 0x40000000));
        Assert.Contains("checkpoint.module_state.requires_grad_params at byte", e.Message);
        Assert.Contains("claims 1073741824 elements", e.Message);
    }

    [TestMethod]
    public void TableElementOffsetOutsideTheBuffer()
    {
        var vector = FbProbe.Ref(Sample, Module(Sample), Slots.ModuleState.FrozenParams);
        var e = Read(FbProbe.WithInt32(Sample, vector + 4 + 4 * 2, -8));
        Assert.Contains("checkpoint.module_state.frozen_params[2] is referenced", e.Message);
    }

    [TestMethod]
    public void VTableOutsideTheBuffer()
    {
        var tensor = FirstTrainable(Sample);
        var e = Read(FbProbe.WithInt32(Sample, tensor, int.MinValue + 5));
        Assert.Contains("the vtable of checkpoint.module_state.requires_grad_params[0]", e.Message);
        Assert.Contains("outside the data", e.Message);
    }

    [TestMethod]
    public void VTableWithImpossibleSize()
    {
        var vt = FbProbe.VTable(Sample, FirstTrainable(Sample));
        Assert.Contains("impossible size of 7 bytes", Read(FbProbe.WithUInt16(Sample, vt, 7)).Message);
        Assert.Contains("needs 60000 bytes, but the data ends", Read(FbProbe.WithUInt16(Sample, vt, 60000)).Message);
    }

    [TestMethod]
    public void FieldPlacedOutsideItsTable()
    {
        var vt = FbProbe.VTable(Sample, FirstTrainable(Sample));
        var e = Read(FbProbe.WithUInt16(Sample, vt + 4 + 2 * Slots.Tensor.Name, 400));
        Assert.Contains("requires_grad_params[0].name is placed at bytes 400..404", e.Message);
        Assert.Contains("the vtable is corrupt", e.Message);
    }

    [TestMethod]
    public void StringLengthBeyondTheBuffer()
    {
        var name = FbProbe.Ref(Sample, FirstTrainable(Sample), Slots.Tensor.Name);
        var e = Read(FbProbe.WithInt32(Sample, name, 1 << 30));
        Assert.Contains("requires_grad_params[0].name (a string at byte", e.Message);
        Assert.Contains("claims 1073741824 bytes", e.Message);
    }

    [TestMethod]
    public void StringWithoutTerminator()
    {
        var name = FbProbe.Ref(Sample, FirstTrainable(Sample), Slots.Tensor.Name);
        var bytes = (byte[])Sample.Clone();
        bytes[name + 4 + FbProbe.Length(Sample, name)] = (byte)'x';
        Assert.Contains("is not zero-terminated", Read(bytes).Message);
    }

    [TestMethod]
    public void StringThatIsNotUtf8()
    {
        var name = FbProbe.Ref(Sample, FirstTrainable(Sample), Slots.Tensor.Name);
        var bytes = (byte[])Sample.Clone();
        bytes[name + 4] = 0xff;
        Assert.Contains("is not valid UTF-8", Read(bytes).Message);
    }

    [TestMethod]
    public void RawDataLongerThanTheShapeNeeds()
    {
        // First trainable after sorting is bf16.param: 3 elements, 6 bytes; claim 7.
        var raw = FbProbe.Ref(Sample, FirstTrainable(Sample), Slots.Tensor.RawData);
        var e = Read(FbProbe.WithInt32(Sample, raw, 7));
        Assert.Contains("('bf16.param') (BFloat16 [3]) needs 6 bytes of raw_data but has 7", e.Message);
    }

    [TestMethod]
    public void DimsThatDisagreeWithTheData()
    {
        var dims = FbProbe.Ref(Sample, FirstTrainable(Sample), Slots.Tensor.Dims);
        Assert.Contains("(BFloat16 [4]) needs 8 bytes of raw_data but has 6", Read(FbProbe.WithInt64(Sample, dims + 4, 4)).Message);
        Assert.Contains("has a negative dim (-3)", Read(FbProbe.WithInt64(Sample, dims + 4, -3)).Message);
        Assert.Contains("overflows 64 bits", Read(FbProbe.WithInt64(Sample, dims + 4, long.MaxValue)).Message);
    }

    [TestMethod]
    public void UnknownDataType()
    {
        var at = FbProbe.Field(Sample, FirstTrainable(Sample), Slots.Tensor.DataType);
        Assert.Contains("has data_type 99, which is not an ONNX tensor element type", Read(FbProbe.WithInt32(Sample, at, 99)).Message);
        Assert.Contains("has data_type 0", Read(FbProbe.WithInt32(Sample, at, 0)).Message);
    }

    [TestMethod]
    public void ZeroOffsetIsCorrupt()
    {
        var at = FbProbe.Field(Sample, FbProbe.RootTable(Sample), Slots.Checkpoint.ModuleState);
        Assert.Contains("the offset of checkpoint.module_state at byte", Read(FbProbe.WithInt32(Sample, at, 0)).Message);
    }

    [TestMethod]
    public void RandomCorruptionNeverEscapesAsAnotherException()
    {
        // Flip bytes and plant random 32-bit values: each read either succeeds or reports a format error.
        var random = new Random(20240611);
        var failures = 0;
        for (var i = 0; i < 4000; i++)
        {
            var bytes = (byte[])Sample.Clone();
            var edits = random.Next(1, 4);
            for (var k = 0; k < edits; k++)
            {
                if (random.Next(2) == 0) bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(random.Next(bytes.Length / 4) * 4), random.Next(int.MinValue, int.MaxValue));
            }
            try
            {
                CheckpointReader.Read(bytes);
            }
            catch (CheckpointFormatException e)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(e.Detail));
                failures++;
            }
        }
        Assert.IsGreaterThan(1000, failures);
    }

    private static void AssertEveryCutDetected(byte[] bytes)
    {
        var full = CheckpointReader.Read(bytes);
        for (var n = 0; n < bytes.Length; n++)
        {
            try
            {
                var read = CheckpointReader.Read(bytes.AsSpan(0, n));
                // Only trailing alignment padding (at most 3 bytes after the last string's terminator) may go unnoticed.
                Assert.IsGreaterThanOrEqualTo(bytes.Length - 3, n, $"a cut to {n} of {bytes.Length} bytes was not detected");
                Assert.IsNull(CheckpointComparison.FirstDifference(full, read));
            }
            catch (CheckpointFormatException e)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(e.Detail));
            }
        }
    }

    private static CheckpointFormatException Read(byte[] bytes) =>
        Assert.ThrowsExactly<CheckpointFormatException>(() => CheckpointReader.Read(bytes));

    private static int Module(byte[] b) => FbProbe.Ref(b, FbProbe.RootTable(b), Slots.Checkpoint.ModuleState);

    private static int FirstTrainable(byte[] b) => FbProbe.Element(b, FbProbe.Ref(b, Module(b), Slots.ModuleState.RequiresGradParams), 0);
}

using OrtTune.Artifacts.Checkpoints;
using Slots = OrtTune.Artifacts.Checkpoints.CheckpointFormat;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>The writer's layout conventions and what it refuses to write.</summary>
[TestClass]
public sealed class CheckpointWriterTests
{
    [TestMethod]
    public void FileStartsWithRootOffsetAndIdentifier()
    {
        var bytes = CheckpointWriter.ToBytes(SampleCheckpoints.Small());

        CollectionAssert.AreEqual("ODTC"u8.ToArray(), bytes[4..8]);
        Assert.AreEqual(2, FbProbe.Int32(bytes, FbProbe.Field(bytes, FbProbe.RootTable(bytes), Slots.Checkpoint.Version)));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void BothParameterVectorsArePresentEvenWhenEmpty(int version)
    {
        var bytes = CheckpointWriter.ToBytes(new TrainingCheckpoint(), new CheckpointWriteOptions { Version = version });

        var module = FbProbe.Ref(bytes, FbProbe.RootTable(bytes), Slots.Checkpoint.ModuleState);
        Assert.AreEqual(0, FbProbe.Length(bytes, FbProbe.Ref(bytes, module, Slots.ModuleState.RequiresGradParams)));
        Assert.AreEqual(0, FbProbe.Length(bytes, FbProbe.Ref(bytes, module, Slots.ModuleState.FrozenParams)));
    }

    [TestMethod]
    public void OptionalPartsAreOmittedWhenEmpty()
    {
        // Like ORT's offline generator: version + module_state only, and is_nominal_state only when true.
        var bytes = CheckpointWriter.ToBytes(SampleCheckpoints.Small());
        var root = FbProbe.RootTable(bytes);

        Assert.AreEqual(-1, FbProbe.Field(bytes, root, Slots.Checkpoint.OptimizerGroups));
        Assert.AreEqual(-1, FbProbe.Field(bytes, root, Slots.Checkpoint.PropertyBag));
        Assert.AreEqual(-1, FbProbe.Field(bytes, FbProbe.Ref(bytes, root, Slots.Checkpoint.ModuleState), Slots.ModuleState.IsNominalState));
    }

    [TestMethod]
    public void NominalFlagIsWrittenInVersion2()
    {
        var checkpoint = new TrainingCheckpoint { IsNominalState = true, TrainableParameters = [NamedTensor.WithoutData("w", TensorElementType.Float, [2])] };
        var bytes = CheckpointWriter.ToBytes(checkpoint);

        var flag = FbProbe.Field(bytes, FbProbe.Ref(bytes, FbProbe.RootTable(bytes), Slots.Checkpoint.ModuleState), Slots.ModuleState.IsNominalState);
        Assert.AreEqual(1, bytes[flag]);
    }

    [TestMethod]
    public void NamesAreSortedByUtf8BytesLikeOnnxRuntime()
    {
        // U+E000 sorts before U+1D11E in UTF-8 (and in std::sort of std::string); UTF-16 ordinal order says the opposite.
        string[] names = ["b", "\uE000", "𝄞", "a", "B", "é"];
        var checkpoint = new TrainingCheckpoint
        {
            TrainableParameters = [.. names.Select((n, i) => NamedTensor.FromValues<int>(n, [1], [i]))],
        };

        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(checkpoint));

        CollectionAssert.AreEqual(new[] { "B", "a", "b", "é", "\uE000", "𝄞" }, read.TrainableParameters.Select(t => t.Name).ToArray());
    }

    [TestMethod]
    public void UnsortedWriteKeepsListOrder()
    {
        var checkpoint = SampleCheckpoints.Full();

        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(checkpoint, new CheckpointWriteOptions { SortByName = false }));

        CollectionAssert.AreEqual(checkpoint.TrainableParameters.Select(t => t.Name).ToArray(), read.TrainableParameters.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "group0", "a-group" }, read.OptimizerGroups.Select(g => g.GroupName).ToArray());
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(3)]
    [DataRow(-1)]
    public void UnsupportedVersionIsRefused(int version)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() =>
            CheckpointWriter.ToBytes(SampleCheckpoints.Small(), new CheckpointWriteOptions { Version = version }));
        Assert.Contains($"version {version}", e.Message);
    }

    [TestMethod]
    public void NominalCheckpointCannotBeVersion1()
    {
        var checkpoint = new TrainingCheckpoint { IsNominalState = true };
        var e = Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint, new CheckpointWriteOptions { Version = 1 }));
        Assert.Contains("is_nominal_state", e.Message);
    }

    [TestMethod]
    public void DuplicateParameterNamesAcrossTrainableAndFrozenAreRefused()
    {
        var checkpoint = SampleCheckpoints.Small();
        checkpoint.FrozenParameters.Add(NamedTensor.FromValues<float>("fc.bias", [1], [0f]));
        var e = Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint));
        Assert.Contains("'fc.bias' occurs more than once", e.Message);
    }

    [TestMethod]
    public void ParameterWithoutDataNeedsANominalCheckpoint()
    {
        var checkpoint = new TrainingCheckpoint { TrainableParameters = [NamedTensor.WithoutData("w", TensorElementType.Float, [4])] };
        var e = Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint));
        Assert.Contains("'w' has no data", e.Message);
    }

    [TestMethod]
    public void DuplicateOptimizerNamesAreRefused()
    {
        var checkpoint = SampleCheckpoints.Small();
        checkpoint.OptimizerGroups.Add(new OptimizerGroup());
        checkpoint.OptimizerGroups.Add(new OptimizerGroup());
        Assert.Contains("'group0' occurs more than once", Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint)).Message);

        checkpoint.OptimizerGroups.RemoveAt(1);
        var m = NamedTensor.FromValues<float>("momentum0", [2], [0f, 0f]);
        checkpoint.OptimizerGroups[0].ParameterStates.Add(new ParameterOptimizerState("fc.bias", [m, m]));
        Assert.Contains("'momentum0' of parameter 'fc.bias'", Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint)).Message);

        checkpoint.OptimizerGroups[0].ParameterStates[0].States.RemoveAt(1);
        checkpoint.OptimizerGroups[0].ParameterStates.Add(new ParameterOptimizerState("fc.bias", [m]));
        Assert.Contains("more than one state for parameter 'fc.bias'", Assert.ThrowsExactly<ArgumentException>(() => CheckpointWriter.ToBytes(checkpoint)).Message);
    }
}

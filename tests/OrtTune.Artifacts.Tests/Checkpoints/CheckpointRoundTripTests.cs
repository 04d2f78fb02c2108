using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Write → read gives back exactly what was written.</summary>
[TestClass]
public sealed class CheckpointRoundTripTests
{
    [TestMethod]
    public void UnsortedRoundTripKeepsEverythingInOrder()
    {
        var checkpoint = SampleCheckpoints.Full();

        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(checkpoint, new CheckpointWriteOptions { SortByName = false }));

        Assert.IsNull(CheckpointComparison.FirstDifference(checkpoint, read));
    }

    [TestMethod]
    public void DefaultRoundTripKeepsEverythingAndSortsByName()
    {
        var checkpoint = SampleCheckpoints.Full();

        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(checkpoint));

        Assert.AreEqual(2, read.Version);
        Assert.IsNull(CheckpointComparison.FirstDifference(checkpoint, read, ignoreOrder: true));
        CollectionAssert.AreEqual(new[] { "bf16.param", "embed", "layer.bias", "layer.weight" }, read.TrainableParameters.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "Zeta", "empty", "int4.codes", "mask", "scalar.step", "vocab" }, read.FrozenParameters.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "a-group", "group0" }, read.OptimizerGroups.Select(g => g.GroupName).ToArray());
        var group0 = read.FindOptimizerGroup("group0")!;
        CollectionAssert.AreEqual(new[] { "layer.bias", "layer.weight" }, group0.ParameterStates.Select(p => p.ParameterName).ToArray());
        CollectionAssert.AreEqual(new[] { "momentum0", "momentum1" }, group0.ParameterStates[0].States.Select(s => s.Name).ToArray());
        // The file groups properties by kind, each kind sorted.
        CollectionAssert.AreEqual(new[] { "a_min", "epoch", "best_loss", "nan", "neg_zero", "empty", "model", "ünicode" },
            read.PropertyBag.Select(p => p.Name).ToArray());
    }

    [TestMethod]
    public void ValuesSurviveExactly()
    {
        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(SampleCheckpoints.Full()));

        CollectionAssert.AreEqual(SampleCheckpoints.Floats(12, 1), read.FindParameter("layer.weight")!.ToArray<float>());
        Assert.AreEqual(long.MinValue, read.FindParameter("scalar.step")!.ToArray<long>()[0]);
        Assert.IsEmpty(read.FindParameter("scalar.step")!.Dims);
        Assert.AreEqual(1, read.FindParameter("scalar.step")!.ElementCount);
        CollectionAssert.AreEqual(new[] { true, false, true }, read.FindParameter("mask")!.ToArray<bool>());
        CollectionAssert.AreEqual(new byte[] { 0x21, 0x0f }, read.FindParameter("int4.codes")!.RawData.ToArray());
        CollectionAssert.AreEqual(new[] { "héllo", "𝄞 clef" }, read.FindParameter("vocab")!.StringData!.ToArray());
        Assert.AreEqual(TensorElementType.String, read.FindParameter("vocab")!.ElementType);
        var empty = read.FindParameter("empty")!;
        CollectionAssert.AreEqual(new long[] { 0, 5 }, empty.GetDims());
        Assert.IsTrue(empty.HasData);
        Assert.AreEqual("bias of layer", read.FindParameter("layer.bias")!.DocString);
        Assert.IsNull(read.FindParameter("layer.weight")!.DocString);

        var group0 = read.FindOptimizerGroup("group0")!;
        Assert.AreEqual(42, group0.Step);
        Assert.AreEqual(1e-3f, group0.InitialLearningRate);
        CollectionAssert.AreEqual(SampleCheckpoints.Floats(4, 10), group0.Find("layer.bias")!.Find("momentum0")!.ToArray<float>());
        Assert.AreEqual(float.Epsilon, read.FindOptimizerGroup("a-group")!.InitialLearningRate);
        Assert.AreEqual(-1, read.FindOptimizerGroup("a-group")!.Step);

        Assert.AreEqual(7, read.PropertyBag.GetInt64("epoch"));
        Assert.AreEqual(long.MinValue, read.PropertyBag.GetInt64("a_min"));
        Assert.AreEqual(0.125f, read.PropertyBag.GetFloat("best_loss"));
        Assert.AreEqual(0x7fc00123, BitConverter.SingleToInt32Bits(read.PropertyBag.GetFloat("nan")));
        Assert.AreEqual(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(read.PropertyBag.GetFloat("neg_zero")));
        Assert.AreEqual("", read.PropertyBag.GetString("empty"));
        Assert.AreEqual("ünï€ode 𝄞", read.PropertyBag.GetString("ünicode"));
    }

    [TestMethod]
    public void Version1RoundTripsTheSameContent()
    {
        var checkpoint = SampleCheckpoints.Full();

        var bytes = CheckpointWriter.ToBytes(checkpoint, new CheckpointWriteOptions { Version = 1 });
        var read = CheckpointReader.Read(bytes);

        Assert.AreEqual(1, read.Version);
        Assert.AreEqual(1, CheckpointReader.ReadVersion(bytes));
        Assert.IsNull(CheckpointComparison.FirstDifference(checkpoint, read, ignoreOrder: true, ignoreVersion: true));
    }

    [TestMethod]
    public void NominalCheckpointRoundTripsNamesAndShapesWithoutData()
    {
        var checkpoint = new TrainingCheckpoint
        {
            IsNominalState = true,
            TrainableParameters = [NamedTensor.WithoutData("w", TensorElementType.Float, [1000, 1000])],
            FrozenParameters = [NamedTensor.WithoutData("tokens", TensorElementType.String, [3])],
        };

        var bytes = CheckpointWriter.ToBytes(checkpoint);
        var read = CheckpointReader.Read(bytes);

        Assert.IsLessThan(1000, bytes.Length);
        Assert.IsTrue(read.IsNominalState);
        Assert.IsFalse(read.TrainableParameters[0].HasData);
        Assert.IsFalse(read.FrozenParameters[0].HasData);
        Assert.AreEqual(1_000_000, read.TrainableParameters[0].ElementCount);
        Assert.IsNull(CheckpointComparison.FirstDifference(checkpoint, read));
    }

    [TestMethod]
    public void EmptyCheckpointRoundTrips()
    {
        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(new TrainingCheckpoint()));

        Assert.AreEqual(2, read.Version);
        Assert.IsEmpty(read.TrainableParameters);
        Assert.IsEmpty(read.FrozenParameters);
        Assert.IsEmpty(read.OptimizerGroups);
        Assert.IsEmpty(read.PropertyBag);
    }

    [TestMethod]
    public void WriteToFileMatchesToBytes()
    {
        var dir = CheckpointFixtures.TempDirectory("roundtrip");
        var path = Path.Combine(dir, "checkpoint");
        var checkpoint = SampleCheckpoints.Full();

        CheckpointWriter.Write(checkpoint, path);

        CollectionAssert.AreEqual(CheckpointWriter.ToBytes(checkpoint), File.ReadAllBytes(path));
        Assert.IsNull(CheckpointComparison.FirstDifference(checkpoint, CheckpointReader.Read(path), ignoreOrder: true));
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void WritingIsDeterministic() =>
        CollectionAssert.AreEqual(CheckpointWriter.ToBytes(SampleCheckpoints.Full()), CheckpointWriter.ToBytes(SampleCheckpoints.Full()));

    [TestMethod]
    public void AdamWStateForAFreshGroupIsZeroMomentsShapedLikeTheParameters()
    {
        var checkpoint = SampleCheckpoints.Small();
        checkpoint.OptimizerGroups.Add(OptimizerGroup.CreateAdamW(checkpoint.TrainableParameters, 0.01f));

        var read = CheckpointReader.Read(CheckpointWriter.ToBytes(checkpoint));

        var group = read.FindOptimizerGroup(OptimizerGroup.DefaultGroupName)!;
        Assert.AreEqual(0.01f, group.InitialLearningRate);
        Assert.AreEqual(0, group.Step);
        var weight = group.Find("fc.weight")!;
        CollectionAssert.AreEqual(new[] { "momentum0", "momentum1" }, weight.States.Select(s => s.Name).ToArray());
        CollectionAssert.AreEqual(new long[] { 2, 3 }, weight.States[1].GetDims());
        Assert.IsTrue(weight.States.All(s => s.ToArray<float>().All(v => v == 0)));
    }
}

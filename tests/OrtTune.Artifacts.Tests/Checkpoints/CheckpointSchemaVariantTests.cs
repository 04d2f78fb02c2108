using Google.FlatBuffers;
using OrtTune.Artifacts.Checkpoints;
using Slots = OrtTune.Artifacts.Checkpoints.CheckpointFormat;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>
/// Files built field by field (not by our writer) to cover the schema variants in the wild: with or without
/// is_nominal_state, the newest schema's has_external_data and external_data_offset, fields from future schemas, and
/// structures ONNX Runtime rejects.
/// </summary>
[TestClass]
public sealed class CheckpointSchemaVariantTests
{
    [TestMethod]
    public void Version1WithoutNominalField()
    {
        var read = CheckpointReader.Read(Build(version: 1, module: b => Module(b, [Tensor(b, "w", 1, [2], new byte[8])], [])));

        Assert.AreEqual(1, read.Version);
        Assert.IsFalse(read.IsNominalState);
        Assert.AreEqual("w", read.TrainableParameters.Single().Name);
    }

    [TestMethod]
    public void Version2NominalWithEmptyOrAbsentData()
    {
        var bytes = Build(version: 2, module: b => Module(b,
            [Tensor(b, "w", 1, [1000, 10], []), Tensor(b, "v", 1, [3], null)], [], nominal: true));

        var read = CheckpointReader.Read(bytes);

        Assert.IsTrue(read.IsNominalState);
        Assert.IsTrue(read.TrainableParameters.All(t => !t.HasData));
    }

    [TestMethod]
    public void HasExternalDataFalseIsIgnored()
    {
        var read = CheckpointReader.Read(Build(version: 2, module: b => Module(b, [Tensor(b, "w", 1, [1], new byte[4])], [], externalData: false)));
        Assert.HasCount(1, read.TrainableParameters);
    }

    [TestMethod]
    public void HasExternalDataTrueIsRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [Tensor(b, "w", 1, [1], null)], [], externalData: true)));
        Assert.Contains("separate external data file (has_external_data)", e.Message);
    }

    [TestMethod]
    public void TensorWithExternalDataOffsetIsRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [Tensor(b, "w", 1, [4], null, externalDataOffset: 0)], [])));
        Assert.Contains("('w') (Float [4]) keeps its data in an external data file", e.Message);
    }

    [TestMethod]
    public void FieldsFromFutureSchemasAreIgnored()
    {
        var bytes = Build(version: 2, extraRootField: true,
            module: b => Module(b, [Tensor(b, "w", 1, [1], new byte[] { 0, 0, 0x80, 0x3f }, extraField: true)], []));

        var read = CheckpointReader.Read(bytes);

        Assert.AreEqual(1f, read.TrainableParameters.Single().ToArray<float>()[0]);
    }

    [TestMethod]
    public void CheckpointWithoutModuleStateIsEmpty()
    {
        // ONNX Runtime accepts it too (the module state is optional at the root).
        var read = CheckpointReader.Read(Build(version: 2, module: null));
        Assert.IsEmpty(read.TrainableParameters);
        Assert.IsEmpty(read.FrozenParameters);
    }

    [TestMethod]
    [DataRow(true, false, "has no requires_grad_params vector")]
    [DataRow(false, true, "has no frozen_params vector")]
    public void MissingParameterVectorIsRefused(bool omitTrainable, bool omitFrozen, string message)
    {
        var e = Read(Build(version: 2, module: b => Module(b, [], [], omitTrainable: omitTrainable, omitFrozen: omitFrozen)));
        Assert.Contains(message, e.Message);
        Assert.Contains("ONNX Runtime rejects such a checkpoint", e.Message);
    }

    [TestMethod]
    public void UnnamedTensorIsRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [], [Tensor(b, null, 1, [1], new byte[4])])));
        Assert.Contains("checkpoint.module_state.frozen_params[0] has no name", e.Message);
    }

    [TestMethod]
    public void DuplicateNamesAreRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [Tensor(b, "w", 1, [1], new byte[4])], [Tensor(b, "w", 1, [1], new byte[4])])));
        Assert.Contains("frozen_params[0] repeats the parameter name 'w'", e.Message);
    }

    [TestMethod]
    public void MissingDataInANonNominalCheckpointIsRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [Tensor(b, "w", 1, [2, 2], null)], [])));
        Assert.Contains("('w') (Float [2,2]) has no raw_data, and the checkpoint is not marked nominal", e.Message);
    }

    [TestMethod]
    public void OptimizerGroupWithoutStatesIsRefused()
    {
        var e = Read(Build(version: 2, module: b => Module(b, [], []), groups: b =>
        {
            var name = b.CreateString("group0").Value;
            b.StartTable(Slots.OptimizerGroup.FieldCount);
            b.AddOffset(Slots.OptimizerGroup.GroupName, name, 0);
            return [b.EndTable()];
        }));
        Assert.Contains("checkpoint.optimizer_groups[0] ('group0') has no optimizer_states vector", e.Message);
    }

    private static CheckpointFormatException Read(byte[] bytes) =>
        Assert.ThrowsExactly<CheckpointFormatException>(() => CheckpointReader.Read(bytes));

    private static byte[] Build(int version, Func<FlatBufferBuilder, int>? module, Func<FlatBufferBuilder, int[]>? groups = null, bool extraRootField = false)
    {
        var b = new FlatBufferBuilder(256);
        var moduleOffset = module?.Invoke(b) ?? 0;
        var groupVector = groups is null ? 0 : Vector(b, groups(b));
        b.StartTable(8);
        b.AddInt(Slots.Checkpoint.Version, version, 0);
        b.AddOffset(Slots.Checkpoint.ModuleState, moduleOffset, 0);
        b.AddOffset(Slots.Checkpoint.OptimizerGroups, groupVector, 0);
        if (extraRootField) b.AddLong(7, 123, 0);
        b.Finish(b.EndTable(), "ODTC");
        return b.SizedByteArray();
    }

    private static int Module(FlatBufferBuilder b, int[] trainable, int[] frozen, bool? nominal = null, bool? externalData = null,
        bool omitTrainable = false, bool omitFrozen = false)
    {
        var t = omitTrainable ? 0 : Vector(b, trainable);
        var f = omitFrozen ? 0 : Vector(b, frozen);
        b.StartTable(4);
        b.AddOffset(Slots.ModuleState.RequiresGradParams, t, 0);
        b.AddOffset(Slots.ModuleState.FrozenParams, f, 0);
        // Written explicitly (default flipped) so the field is present even when false.
        if (nominal is { } n) b.AddBool(Slots.ModuleState.IsNominalState, n, !n);
        if (externalData is { } x) b.AddBool(Slots.ModuleState.HasExternalData, x, !x);
        return b.EndTable();
    }

    private static int Tensor(FlatBufferBuilder b, string? name, int dataType, long[] dims, byte[]? raw,
        long? externalDataOffset = null, bool extraField = false)
    {
        var nameOffset = name is null ? 0 : b.CreateString(name).Value;
        b.StartVector(8, dims.Length, 8);
        for (var i = dims.Length - 1; i >= 0; i--) b.AddLong(dims[i]);
        var dimOffset = b.EndVector().Value;
        var rawOffset = 0;
        if (raw is not null)
        {
            b.StartVector(1, raw.Length, 1);
            if (raw.Length > 0) b.Add(raw);
            rawOffset = b.EndVector().Value;
        }
        b.StartTable(10);
        b.AddOffset(Slots.Tensor.Name, nameOffset, 0);
        b.AddOffset(Slots.Tensor.Dims, dimOffset, 0);
        b.AddInt(Slots.Tensor.DataType, dataType, 0);
        b.AddOffset(Slots.Tensor.RawData, rawOffset, 0);
        if (externalDataOffset is { } o) b.AddLong(Slots.Tensor.ExternalDataOffset, o, -1);
        if (extraField) b.AddInt(9, 77, 0);
        return b.EndTable();
    }

    private static int Vector(FlatBufferBuilder b, int[] offsets)
    {
        b.StartVector(4, offsets.Length, 4);
        for (var i = offsets.Length - 1; i >= 0; i--) b.AddOffset(offsets[i]);
        return b.EndVector().Value;
    }
}

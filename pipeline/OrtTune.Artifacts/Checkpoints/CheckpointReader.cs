using System.Text;
using Slots = OrtTune.Artifacts.Checkpoints.CheckpointFormat;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Reads ONNX Runtime training checkpoints (flatbuffer "ODTC", versions 1 and 2; layout in <see cref="CheckpointFormat"/>).
/// Every offset and length is bounds-checked: a truncated or corrupt file gives a <see cref="CheckpointFormatException"/>
/// saying what is wrong and where, never an index exception or garbage.
/// </summary>
/// <remarks>
/// Accepted variants: files with or without <c>is_nominal_state</c>, and the newest schema's <c>has_external_data</c>
/// flag when false (when true the tensor data lives in another file, which is not supported). Like ONNX Runtime, the
/// reader rejects a module state without both parameter vectors, unnamed tensors and duplicate names.
/// </remarks>
public static class CheckpointReader
{
    private static ReadOnlySpan<byte> Identifier => "ODTC"u8;

    /// <summary>Reads the checkpoint file at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a readable checkpoint.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static TrainingCheckpoint Read(string path)
    {
        var bytes = ReadFile(path);
        try
        {
            // The tensors share the file's array instead of copying it again.
            return Parse(bytes);
        }
        catch (CheckpointFormatException e)
        {
            throw e.WithFile(path);
        }
    }

    /// <summary>Reads a checkpoint held in memory (the data is copied once; the result does not refer to the span).</summary>
    /// <exception cref="CheckpointFormatException">The bytes are not a readable checkpoint.</exception>
    public static TrainingCheckpoint Read(ReadOnlySpan<byte> data) => Parse(data.ToArray());

    /// <summary>Checks the header of the file and returns its format version, without reading the tensors.</summary>
    /// <exception cref="CheckpointFormatException">The file is not a checkpoint (the version itself is not judged).</exception>
    public static int ReadVersion(string path)
    {
        try
        {
            CheckFile(path);
            using var stream = File.OpenRead(path);
            var prefix = new byte[(int)Math.Min(stream.Length, VersionProbeBytes)];
            stream.ReadExactly(prefix);
            if (prefix.Length == stream.Length) return VersionOf(prefix);
            try
            {
                return VersionOf(prefix);
            }
            catch (CheckpointFormatException)
            {
                return VersionOf(ReadFile(path));
            }
        }
        catch (CheckpointFormatException e)
        {
            throw e.WithFile(path);
        }
    }

    /// <inheritdoc cref="ReadVersion(string)"/>
    public static int ReadVersion(ReadOnlySpan<byte> data)
    {
        if (data.Length > VersionProbeBytes)
        {
            try
            {
                return VersionOf(data[..VersionProbeBytes].ToArray());
            }
            catch (CheckpointFormatException)
            {
                // The root table or its vtable lies further in: look at everything.
            }
        }
        return VersionOf(data.ToArray());
    }

    // Writers build the root table last, so it and its vtable sit right after the 8-byte header.
    private const int VersionProbeBytes = 64 * 1024;

    private static int VersionOf(byte[] data)
    {
        var buffer = new CheckedFlatBuffer(data);
        return buffer.GetInt32(OpenRoot(buffer), Slots.Checkpoint.Version, "version");
    }

    private static byte[] ReadFile(string path)
    {
        CheckFile(path);
        return File.ReadAllBytes(path);
    }

    private static void CheckFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // ONNX Runtime's old checkpoints were a folder of protobuf files; say so rather than "access denied".
        if (Directory.Exists(path))
            throw new CheckpointFormatException(
                "this is a directory; checkpoints are single flatbuffer files (the directory-of-.pbseq-files format of old ONNX Runtime releases is not supported).",
                filePath: path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"Checkpoint file not found: {path}", path);
        if (info.Length > CheckpointFormat.MaximumSize)
            throw new CheckpointFormatException(
                $"the file is {info.Length} bytes; flatbuffer checkpoints cannot exceed 2 GiB (checkpoints with external data are not supported).",
                filePath: path);
    }

    private static FbTable OpenRoot(CheckedFlatBuffer buffer)
    {
        if (buffer.Length < 8)
            throw new CheckpointFormatException(
                $"the data is too short ({buffer.Length} bytes) to be an ONNX Runtime training checkpoint: at least 8 bytes are needed for the root offset and the \"ODTC\" file identifier; the file is truncated or empty.",
                buffer.Length);
        var id = buffer.Slice(4, 4).Span;
        if (!id.SequenceEqual(Identifier))
            throw new CheckpointFormatException(
                $"the file identifier at bytes 4..7 is {Describe(id)}, not \"ODTC\": this is not an ONNX Runtime training checkpoint.", 4);
        return buffer.Table(buffer.Follow(0, "the root table (checkpoint)"), "checkpoint");
    }

    private static TrainingCheckpoint Parse(ReadOnlyMemory<byte> data)
    {
        var buffer = new CheckedFlatBuffer(data);
        var root = OpenRoot(buffer);
        var version = buffer.GetInt32(root, Slots.Checkpoint.Version, "version");
        // Judge the version before the rest: a newer version may lay out the tables differently.
        if (!CheckpointFormat.SupportedVersions.Contains(version))
            throw new CheckpointFormatException(
                version <= 0
                    ? $"checkpoint version {version} is invalid (the version field is missing or corrupt); OrtTune reads versions {string.Join(" and ", CheckpointFormat.SupportedVersions)}."
                    : $"checkpoint version {version} is not supported; OrtTune reads versions {string.Join(" and ", CheckpointFormat.SupportedVersions)} (a newer version comes from a newer ONNX Runtime).",
                null, version);

        try
        {
            return ParseContent(buffer, root, version);
        }
        catch (CheckpointFormatException e) when (e.Version is null)
        {
            throw new CheckpointFormatException($"(version {version} checkpoint) {e.Detail}", e.Offset, version, null, e);
        }
    }

    private static TrainingCheckpoint ParseContent(CheckedFlatBuffer buffer, FbTable root, int version)
    {
        var checkpoint = new TrainingCheckpoint { Version = version };
        var names = new HashSet<string>(StringComparer.Ordinal);

        if (buffer.GetTable(root, Slots.Checkpoint.ModuleState, "module_state") is { } module)
        {
            checkpoint.IsNominalState = buffer.GetBool(module, Slots.ModuleState.IsNominalState, "is_nominal_state");
            if (buffer.GetBool(module, Slots.ModuleState.HasExternalData, "has_external_data"))
                throw new CheckpointFormatException(
                    "the module state says its tensor data is stored in a separate external data file (has_external_data); OrtTune does not support such checkpoints.",
                    module.Position);
            var trainable = buffer.GetVector(module, Slots.ModuleState.RequiresGradParams, 4, "requires_grad_params")
                ?? throw MissingVector(module, "requires_grad_params", "trainable");
            var frozen = buffer.GetVector(module, Slots.ModuleState.FrozenParams, 4, "frozen_params")
                ?? throw MissingVector(module, "frozen_params", "frozen");
            ReadTensors(buffer, trainable, checkpoint.IsNominalState, checkpoint.TrainableParameters, names, "parameter");
            ReadTensors(buffer, frozen, checkpoint.IsNominalState, checkpoint.FrozenParameters, names, "parameter");
        }

        if (buffer.GetVector(root, Slots.Checkpoint.OptimizerGroups, 4, "optimizer_groups") is { } groups)
            ReadOptimizerGroups(buffer, groups, checkpoint);

        if (buffer.GetTable(root, Slots.Checkpoint.PropertyBag, "property_bag") is { } bag)
            ReadPropertyBag(buffer, bag, checkpoint.PropertyBag);

        return checkpoint;
    }

    private static CheckpointFormatException MissingVector(FbTable module, string field, string kind) => new(
        $"{module.What} has no {field} vector; ONNX Runtime rejects such a checkpoint (the {kind} parameter list must be present, even if empty).",
        module.Position);

    private static void ReadTensors(CheckedFlatBuffer buffer, FbVector vector, bool nominal, List<NamedTensor> into,
        HashSet<string> names, string kind)
    {
        for (var i = 0; i < vector.Count; i++)
        {
            var tensor = ReadTensor(buffer, buffer.VectorTable(vector, i, $"{vector.What}[{i}]"), nominal);
            if (!names.Add(tensor.Name))
                throw new CheckpointFormatException($"{vector.What}[{i}] repeats the {kind} name '{tensor.Name}'; names must be unique.", vector.Data + 4 * i);
            into.Add(tensor);
        }
    }

    private static NamedTensor ReadTensor(CheckedFlatBuffer buffer, FbTable table, bool nominal)
    {
        var name = buffer.GetString(table, Slots.Tensor.Name, "name");
        if (string.IsNullOrEmpty(name))
            throw new CheckpointFormatException($"{table.What} has no name.", table.Position);
        // Name the tensor in every later message.
        table = table with { What = $"{table.What} ('{name}')" };
        var doc = buffer.GetString(table, Slots.Tensor.DocString, "doc_string");

        var dims = Array.Empty<long>();
        long count = 1;
        if (buffer.GetVector(table, Slots.Tensor.Dims, 8, "dims") is { } dimVector)
        {
            dims = new long[dimVector.Count];
            for (var d = 0; d < dims.Length; d++)
            {
                dims[d] = buffer.VectorInt64(dimVector, d);
                if (dims[d] < 0)
                    throw new CheckpointFormatException($"{table.What} has a negative dim ({dims[d]}) in [{string.Join(",", dims.Take(d + 1))}...].", dimVector.Data);
                try { count = checked(count * dims[d]); }
                catch (OverflowException) { throw new CheckpointFormatException($"{table.What} has dims whose element count overflows 64 bits.", dimVector.Data); }
            }
        }

        var type = (TensorElementType)buffer.GetInt32(table, Slots.Tensor.DataType, "data_type");
        if (!type.IsKnown())
            throw new CheckpointFormatException($"{table.What} has data_type {(int)type}, which is not an ONNX tensor element type OrtTune knows.", table.Position);
        long expected;
        try { expected = type.ByteCount(count) ?? 0; }
        catch (OverflowException) { throw new CheckpointFormatException($"{table.What} has dims whose byte size overflows 64 bits.", table.Position); }

        var raw = buffer.GetVector(table, Slots.Tensor.RawData, 1, "raw_data");
        var strings = buffer.GetVector(table, Slots.Tensor.StringData, 4, "string_data");
        var external = buffer.Has(table, Slots.Tensor.ExternalDataOffset, "external_data_offset")
            && buffer.GetInt64(table, Slots.Tensor.ExternalDataOffset, "external_data_offset", -1) >= 0;
        var shape = $"{type} [{string.Join(",", dims)}]";

        if (type == TensorElementType.String)
        {
            if (raw is { Count: > 0 })
                throw new CheckpointFormatException($"{table.What} is a string tensor but has raw_data.", table.Position);
            List<string>? values = null;
            if (strings is { } s)
            {
                if (s.Count != count)
                    throw new CheckpointFormatException($"{table.What} ({shape}) needs {count} strings but has {s.Count}.", s.Data);
                values = new List<string>(s.Count);
                for (var k = 0; k < s.Count; k++) values.Add(buffer.VectorString(s, k, $"{s.What}[{k}]"));
            }
            else if (!nominal && count > 0)
                throw NoData(table, shape, external, "string_data");
            return NamedTensor.FromTrusted(name, type, dims, count, ReadOnlyMemory<byte>.Empty, values?.AsReadOnly(), doc);
        }

        if (strings is { Count: > 0 })
            throw new CheckpointFormatException($"{table.What} is a {type} tensor but has string_data.", table.Position);
        var rawData = ReadOnlyMemory<byte>.Empty;
        if (raw is { Count: > 0 } r)
        {
            if (r.Count != expected)
                throw new CheckpointFormatException(
                    $"{table.What} ({shape}) needs {expected} bytes of raw_data but has {r.Count}: the dims or the data are corrupt.", r.Data - 4);
            rawData = buffer.Slice(r.Data, r.Count);
        }
        else if (expected > 0 && !nominal)
            throw NoData(table, shape, external, "raw_data");
        return NamedTensor.FromTrusted(name, type, dims, count, rawData, null, doc);
    }

    private static CheckpointFormatException NoData(FbTable table, string shape, bool external, string field) => new(external
            ? $"{table.What} ({shape}) keeps its data in an external data file, which OrtTune does not support."
            : $"{table.What} ({shape}) has no {field}, and the checkpoint is not marked nominal (is_nominal_state).",
        table.Position);

    private static void ReadOptimizerGroups(CheckedFlatBuffer buffer, FbVector groups, TrainingCheckpoint checkpoint)
    {
        var groupNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < groups.Count; i++)
        {
            var table = buffer.VectorTable(groups, i, $"{groups.What}[{i}]");
            var name = buffer.GetString(table, Slots.OptimizerGroup.GroupName, "group_name");
            if (string.IsNullOrEmpty(name))
                throw new CheckpointFormatException($"{table.What} has no group_name.", table.Position);
            if (!groupNames.Add(name))
                throw new CheckpointFormatException($"{table.What} repeats the optimizer group name '{name}'.", table.Position);
            table = table with { What = $"{table.What} ('{name}')" };
            var group = new OptimizerGroup(name)
            {
                Step = buffer.GetInt64(table, Slots.OptimizerGroup.Step, "step"),
                InitialLearningRate = buffer.GetSingle(table, Slots.OptimizerGroup.InitialLearningRate, "initial_learning_rate"),
            };
            var states = buffer.GetVector(table, Slots.OptimizerGroup.OptimizerStates, 4, "optimizer_states")
                ?? throw new CheckpointFormatException($"{table.What} has no optimizer_states vector; ONNX Runtime rejects such a checkpoint.", table.Position);
            var paramNames = new HashSet<string>(StringComparer.Ordinal);
            for (var k = 0; k < states.Count; k++)
            {
                var stateTable = buffer.VectorTable(states, k, $"{states.What}[{k}]");
                var param = buffer.GetString(stateTable, Slots.ParameterOptimizerState.ParamName, "param_name");
                if (string.IsNullOrEmpty(param))
                    throw new CheckpointFormatException($"{stateTable.What} has no param_name.", stateTable.Position);
                if (!paramNames.Add(param))
                    throw new CheckpointFormatException($"{stateTable.What} repeats the parameter name '{param}' within group '{name}'.", stateTable.Position);
                stateTable = stateTable with { What = $"{stateTable.What} ('{param}')" };
                var momentums = buffer.GetVector(stateTable, Slots.ParameterOptimizerState.Momentums, 4, "momentums")
                    ?? throw new CheckpointFormatException($"{stateTable.What} has no momentums vector; ONNX Runtime rejects such a checkpoint.", stateTable.Position);
                var state = new ParameterOptimizerState(param);
                // Optimizer states always carry data, even in a nominal checkpoint.
                ReadTensors(buffer, momentums, nominal: false, state.States, new HashSet<string>(StringComparer.Ordinal), "optimizer state");
                group.ParameterStates.Add(state);
            }
            checkpoint.OptimizerGroups.Add(group);
        }
    }

    private static void ReadPropertyBag(CheckedFlatBuffer buffer, FbTable bag, CheckpointPropertyBag into)
    {
        void ReadKind(int slot, string field, Func<FbTable, string, CheckpointProperty> read)
        {
            if (buffer.GetVector(bag, slot, 4, field) is not { } vector) return;
            for (var i = 0; i < vector.Count; i++)
            {
                var table = buffer.VectorTable(vector, i, $"{vector.What}[{i}]");
                var name = buffer.GetString(table, Slots.Property.Name, "name");
                if (string.IsNullOrEmpty(name))
                    throw new CheckpointFormatException($"{table.What} has no name.", table.Position);
                if (into.Contains(name))
                    throw new CheckpointFormatException($"{table.What} repeats the property name '{name}'.", table.Position);
                into.Add(read(table with { What = $"{table.What} ('{name}')" }, name));
            }
        }

        ReadKind(Slots.PropertyBag.Ints, "ints",
            (t, name) => CheckpointProperty.Int64(name, buffer.GetInt64(t, Slots.Property.Value, "value")));
        ReadKind(Slots.PropertyBag.Floats, "floats",
            (t, name) => CheckpointProperty.Float(name, buffer.GetSingle(t, Slots.Property.Value, "value")));
        ReadKind(Slots.PropertyBag.Strings, "strings",
            (t, name) => CheckpointProperty.String(name, buffer.GetString(t, Slots.Property.Value, "value")
                ?? throw new CheckpointFormatException($"{t.What} has no value.", t.Position)));
    }

    private static string Describe(ReadOnlySpan<byte> id)
    {
        var printable = true;
        foreach (var b in id) printable &= b is >= 0x20 and < 0x7f;
        var hex = Convert.ToHexString(id);
        return printable ? $"\"{Encoding.ASCII.GetString(id)}\" (0x{hex})" : $"0x{hex}";
    }
}

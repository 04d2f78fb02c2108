using OrtTune.Artifacts;
using System.Runtime.InteropServices;
using System.Text;
using Google.FlatBuffers;
using Slots = OrtTune.Artifacts.Checkpoints.CheckpointFormat;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Writes ONNX Runtime training checkpoints (flatbuffer "ODTC", layout in <see cref="CheckpointFormat"/>), version 2
/// unless the options say 1.
/// </summary>
/// <remarks>
/// <para>Follows ONNX Runtime's own writers (orttraining/training_api/checkpoint.cc):</para>
/// <list type="bullet">
/// <item>Root <c>Checkpoint</c>: version, module_state, optimizer_groups (only when there are groups), property_bag (only
/// when there are properties).</item>
/// <item><c>ModuleState</c>: both parameter vectors always present, even when empty (ORT rejects a missing one);
/// <c>is_nominal_state</c> in version 2 (written only when true, false being the default).</item>
/// <item>Tensors are built like ORT's <c>SaveInitializerOrtFormat</c>: name, doc_string, dims (always a vector), then
/// raw_data (always a vector for non-string tensors, possibly empty) or string_data.</item>
/// <item>Optimizer groups, parameter states and state tensors, and properties are built in ORT's order; with
/// <see cref="CheckpointWriteOptions.SortByName"/> everything is sorted by name as ORT's runtime save does.</item>
/// </list>
/// <para>
/// Objects are built in the same order, with the same field order, as ORT's C++ FlatBufferBuilder calls, so a file from
/// ORT's offline generator (module state only) is reproduced byte for byte when written unsorted in its own version.
/// </para>
/// </remarks>
public static class CheckpointWriter
{
    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> atomically: into a temporary file in the same
    /// folder, flushed to disk, then renamed over the target. If anything fails the old file is untouched and no
    /// temporary file remains.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint cannot be written (see <see cref="ToBytes"/>).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(TrainingCheckpoint checkpoint, string path, CheckpointWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Build (and validate) in memory first, so that a bad checkpoint never touches the disk.
        var builder = Build(checkpoint, options ?? CheckpointWriteOptions.Default);
        var buffer = builder.DataBuffer;
        var bytes = buffer.ToArraySegment(buffer.Position, buffer.Length - buffer.Position);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The checkpoint file's bytes.</summary>
    /// <exception cref="ArgumentException">
    /// Unsupported version; a nominal checkpoint as version 1; duplicate parameter, group, state or property names; a
    /// tensor without data in a non-nominal checkpoint; more than 2 GiB.
    /// </exception>
    public static byte[] ToBytes(TrainingCheckpoint checkpoint, CheckpointWriteOptions? options = null) =>
        Build(checkpoint, options ?? CheckpointWriteOptions.Default).SizedByteArray();

    private static FlatBufferBuilder Build(TrainingCheckpoint checkpoint, CheckpointWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var sizeEstimate = Validate(checkpoint, options);
        var sort = options.SortByName;
        var b = new FlatBufferBuilder((int)sizeEstimate);

        var trainable = Tensors(b, checkpoint.TrainableParameters, sort);
        var frozen = Tensors(b, checkpoint.FrozenParameters, sort);
        var trainableVector = OffsetVector(b, trainable);
        var frozenVector = OffsetVector(b, frozen);
        b.StartTable(Slots.ModuleState.FieldCount);
        b.AddOffset(Slots.ModuleState.RequiresGradParams, trainableVector, 0);
        b.AddOffset(Slots.ModuleState.FrozenParams, frozenVector, 0);
        if (options.Version >= 2) b.AddBool(Slots.ModuleState.IsNominalState, checkpoint.IsNominalState, false);
        var moduleState = b.EndTable();

        var groups = Utf8Ordinal.Sort(checkpoint.OptimizerGroups, g => g.GroupName, sort).Select(g => OptimizerGroup(b, g, sort)).ToList();
        var propertyBag = checkpoint.PropertyBag.Count > 0 ? PropertyBag(b, checkpoint.PropertyBag, sort) : 0;
        // ORT creates the groups vector after the property bag.
        var groupVector = groups.Count > 0 ? OffsetVector(b, groups) : 0;

        b.StartTable(Slots.Checkpoint.FieldCount);
        b.AddInt(Slots.Checkpoint.Version, options.Version, 0);
        b.AddOffset(Slots.Checkpoint.ModuleState, moduleState, 0);
        b.AddOffset(Slots.Checkpoint.OptimizerGroups, groupVector, 0);
        b.AddOffset(Slots.Checkpoint.PropertyBag, propertyBag, 0);
        var root = b.EndTable();
        b.Finish(root, CheckpointFormat.FileIdentifier);
        return b;
    }

    private static List<int> Tensors(FlatBufferBuilder b, IEnumerable<NamedTensor> tensors, bool sort) =>
        Utf8Ordinal.Sort(tensors, t => t.Name, sort).Select(t => Tensor(b, t)).ToList();

    private static int Tensor(FlatBufferBuilder b, NamedTensor t)
    {
        var name = b.CreateString(t.Name).Value;
        var doc = t.DocString is null ? 0 : b.CreateString(t.DocString).Value;
        b.StartVector(sizeof(long), t.Dims.Count, sizeof(long));
        for (var i = t.Dims.Count - 1; i >= 0; i--) b.AddLong(t.Dims[i]);
        var dims = b.EndVector().Value;

        int raw = 0, strings = 0;
        if (t.ElementType == TensorElementType.String)
        {
            if (t.StringData is { } values) strings = OffsetVector(b, values.Select(s => b.CreateString(s).Value).ToList());
        }
        else
        {
            raw = ByteVector(b, t.RawData);
        }

        b.StartTable(Slots.Tensor.FieldCount);
        b.AddOffset(Slots.Tensor.Name, name, 0);
        b.AddOffset(Slots.Tensor.DocString, doc, 0);
        b.AddOffset(Slots.Tensor.Dims, dims, 0);
        b.AddInt(Slots.Tensor.DataType, (int)t.ElementType, 0);
        b.AddOffset(Slots.Tensor.RawData, raw, 0);
        b.AddOffset(Slots.Tensor.StringData, strings, 0);
        return b.EndTable();
    }

    private static int OptimizerGroup(FlatBufferBuilder b, OptimizerGroup group, bool sort)
    {
        var states = new List<int>();
        foreach (var state in Utf8Ordinal.Sort(group.ParameterStates, s => s.ParameterName, sort))
        {
            var momentums = Tensors(b, state.States, sort);
            var paramName = b.CreateString(state.ParameterName).Value;
            var momentumVector = OffsetVector(b, momentums);
            b.StartTable(Slots.ParameterOptimizerState.FieldCount);
            b.AddOffset(Slots.ParameterOptimizerState.ParamName, paramName, 0);
            b.AddOffset(Slots.ParameterOptimizerState.Momentums, momentumVector, 0);
            states.Add(b.EndTable());
        }
        var groupName = b.CreateString(group.GroupName).Value;
        var stateVector = OffsetVector(b, states);
        b.StartTable(Slots.OptimizerGroup.FieldCount);
        b.AddOffset(Slots.OptimizerGroup.GroupName, groupName, 0);
        AddFloat(b, Slots.OptimizerGroup.InitialLearningRate, group.InitialLearningRate);
        b.AddLong(Slots.OptimizerGroup.Step, group.Step, 0);
        b.AddOffset(Slots.OptimizerGroup.OptimizerStates, stateVector, 0);
        return b.EndTable();
    }

    private static int PropertyBag(FlatBufferBuilder b, CheckpointPropertyBag bag, bool sort)
    {
        List<int> ints = [], floats = [], strings = [];
        foreach (var p in Utf8Ordinal.Sort(bag, p => p.Name, sort))
        {
            var name = b.CreateString(p.Name).Value;
            switch (p.Kind)
            {
                case CheckpointPropertyKind.Int64:
                    b.StartTable(Slots.Property.FieldCount);
                    b.AddOffset(Slots.Property.Name, name, 0);
                    b.AddLong(Slots.Property.Value, p.Int64Value, 0);
                    ints.Add(b.EndTable());
                    break;
                case CheckpointPropertyKind.Float:
                    b.StartTable(Slots.Property.FieldCount);
                    b.AddOffset(Slots.Property.Name, name, 0);
                    AddFloat(b, Slots.Property.Value, p.FloatValue);
                    floats.Add(b.EndTable());
                    break;
                default:
                    var value = b.CreateString(p.StringValue!).Value;
                    b.StartTable(Slots.Property.FieldCount);
                    b.AddOffset(Slots.Property.Name, name, 0);
                    b.AddOffset(Slots.Property.Value, value, 0);
                    strings.Add(b.EndTable());
                    break;
            }
        }
        // ORT writes all three vectors, empty ones included.
        var intVector = OffsetVector(b, ints);
        var floatVector = OffsetVector(b, floats);
        var stringVector = OffsetVector(b, strings);
        b.StartTable(Slots.PropertyBag.FieldCount);
        b.AddOffset(Slots.PropertyBag.Ints, intVector, 0);
        b.AddOffset(Slots.PropertyBag.Floats, floatVector, 0);
        b.AddOffset(Slots.PropertyBag.Strings, stringVector, 0);
        return b.EndTable();
    }

    /// <summary>
    /// Skips the field only for +0 (the schema default), keeping -0, which FlatBuffers' value comparison would drop
    /// (as ORT's C++ builder does; a reader then sees +0).
    /// </summary>
    private static void AddFloat(FlatBufferBuilder b, int slot, float value)
    {
        if (BitConverter.SingleToInt32Bits(value) != 0) b.AddFloat(slot, (float?)value);
    }

    /// <summary>A vector of references (tables or strings), pushed last to first as FlatBuffers requires.</summary>
    private static int OffsetVector(FlatBufferBuilder b, List<int> offsets)
    {
        b.StartVector(sizeof(int), offsets.Count, sizeof(int));
        for (var i = offsets.Count - 1; i >= 0; i--) b.AddOffset(offsets[i]);
        return b.EndVector().Value;
    }

    private static int ByteVector(FlatBufferBuilder b, ReadOnlyMemory<byte> data)
    {
        b.StartVector(1, data.Length, 1);
        if (!data.IsEmpty)
        {
            var segment = MemoryMarshal.TryGetArray(data, out var s) ? s : new ArraySegment<byte>(data.ToArray());
            b.Add(segment);
        }
        return b.EndVector().Value;
    }

    /// <summary>Checks what ORT would reject and returns a generous size estimate for the builder's buffer.</summary>
    private static long Validate(TrainingCheckpoint c, CheckpointWriteOptions options)
    {
        if (!CheckpointFormat.SupportedVersions.Contains(options.Version))
            throw new ArgumentException(
                $"Cannot write checkpoint version {options.Version}; supported versions are {string.Join(" and ", CheckpointFormat.SupportedVersions)}.",
                nameof(options));
        if (c.IsNominalState && options.Version < 2)
            throw new ArgumentException("A nominal checkpoint needs version 2 or later: version 1 has no is_nominal_state field.", nameof(options));

        long size = 1024;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in c.AllParameters)
        {
            ArgumentNullException.ThrowIfNull(t, "parameter");
            if (!names.Add(t.Name))
                throw new ArgumentException($"The parameter name '{t.Name}' occurs more than once (trainable and frozen names must be unique together).", nameof(c));
            if (!c.IsNominalState && !t.HasData)
                throw new ArgumentException($"Parameter '{t.Name}' has no data, but the checkpoint is not marked nominal.", nameof(c));
            size += TensorSize(t);
        }

        var groupNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in c.OptimizerGroups)
        {
            ArgumentNullException.ThrowIfNull(g, "optimizer group");
            if (!groupNames.Add(g.GroupName))
                throw new ArgumentException($"The optimizer group name '{g.GroupName}' occurs more than once.", nameof(c));
            size += 64 + Utf8(g.GroupName);
            var paramNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in g.ParameterStates)
            {
                if (!paramNames.Add(p.ParameterName))
                    throw new ArgumentException($"Optimizer group '{g.GroupName}' has more than one state for parameter '{p.ParameterName}'.", nameof(c));
                size += 64 + Utf8(p.ParameterName);
                var stateNames = new HashSet<string>(StringComparer.Ordinal);
                foreach (var s in p.States)
                {
                    if (!stateNames.Add(s.Name))
                        throw new ArgumentException($"Optimizer state '{s.Name}' of parameter '{p.ParameterName}' (group '{g.GroupName}') occurs more than once.", nameof(c));
                    if (!s.HasData)
                        throw new ArgumentException($"Optimizer state '{s.Name}' of parameter '{p.ParameterName}' (group '{g.GroupName}') has no data.", nameof(c));
                    size += TensorSize(s);
                }
            }
        }

        foreach (var p in c.PropertyBag) size += 64 + Utf8(p.Name) + (p.StringValue is null ? 0 : Utf8(p.StringValue));

        // FlatBuffers offsets are 32-bit; ByteBuffer cannot grow past 2 GiB either.
        if (size > CheckpointFormat.MaximumSize - 64)
            throw new ArgumentException(
                $"The checkpoint needs about {size} bytes; flatbuffer checkpoints are limited to 2 GiB (external data is not supported).", nameof(c));
        return size;
    }

    private static long TensorSize(NamedTensor t) =>
        96 + Utf8(t.Name) + (t.DocString is null ? 0 : Utf8(t.DocString)) + 8L * t.Dims.Count + t.RawData.Length
        + (t.StringData?.Sum(s => 16L + Utf8(s)) ?? 0);

    private static long Utf8(string s) => Encoding.UTF8.GetByteCount(s) + 8;
}

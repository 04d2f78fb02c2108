namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// The ONNX Runtime on-device-training checkpoint file format: constants and the table layout our reader and writer use.
/// </summary>
/// <remarks>
/// <para>
/// A checkpoint is one little-endian FlatBuffer (schema <c>ort_training_checkpoint.fbs</c> + <c>ort.fbs</c>, namespace
/// <c>onnxruntime.fbs</c>, root type <c>Checkpoint</c>) whose file identifier is <c>"ODTC"</c>: bytes 0..3 hold the
/// uoffset of the root table, bytes 4..7 the identifier. No flatc output is used; the slot numbers below are the schema's
/// field order (a table's vtable holds field <c>i</c> at vtable byte 4 + 2·i).
/// </para>
/// <code>
/// Checkpoint               0 version:int32   1 module_state:ModuleState   2 optimizer_groups:[OptimizerGroup]   3 property_bag:PropertyBag
/// ModuleState              0 requires_grad_params:[Tensor]   1 frozen_params:[Tensor]
///                          2 is_nominal_state:bool (version 2)   3 has_external_data:bool (newest schema only; we refuse true)
/// OptimizerGroup           0 group_name:string   1 step:int64   2 initial_learning_rate:float   3 optimizer_states:[ParameterOptimizerState]
/// ParameterOptimizerState  0 param_name:string   1 momentums:[Tensor]   (tensor names = state names, e.g. momentum0/momentum1)
/// PropertyBag              0 ints:[IntProperty]   1 floats:[FloatProperty]   2 strings:[StringProperty]
/// Int/Float/StringProperty 0 name:string   1 value:int64 | float | string
/// Tensor (ort.fbs)         0 name:string   1 doc_string:string   2 dims:[int64]   3 data_type:int32 (ONNX TensorProto numbering)
///                          4 raw_data:[uint8] (little-endian packed elements)   5 string_data:[string]
///                          6 external_data_offset:int64 (newest schema only; means the data lives in another file)
/// </code>
/// <para>
/// Versions: 1 = the initial format; 2 = adds <c>ModuleState.is_nominal_state</c>. ONNX Runtime accepts exactly the one
/// version it was built with (see <see cref="CheckpointCompatibility"/>). ONNX Runtime's loader rejects a module state
/// whose trainable or frozen vector is missing, so both are always written, even when empty.
/// </para>
/// </remarks>
public static class CheckpointFormat
{
    /// <summary>The FlatBuffers file identifier, stored at bytes 4..7.</summary>
    public const string FileIdentifier = "ODTC";

    /// <summary>The version this code writes unless told otherwise (the one ONNX Runtime training 1.19 accepts).</summary>
    public const int CurrentVersion = 2;

    /// <summary>The oldest version the reader understands.</summary>
    public const int MinimumVersion = 1;

    /// <summary>The versions <see cref="CheckpointReader"/> reads and <see cref="CheckpointWriter"/> can write.</summary>
    public static IReadOnlyList<int> SupportedVersions { get; } = [1, 2];

    /// <summary>FlatBuffers use 32-bit offsets, so a checkpoint file cannot exceed 2 GiB.</summary>
    public const long MaximumSize = int.MaxValue;

    internal static class Checkpoint
    {
        public const int Version = 0, ModuleState = 1, OptimizerGroups = 2, PropertyBag = 3, FieldCount = 4;
    }

    internal static class ModuleState
    {
        public const int RequiresGradParams = 0, FrozenParams = 1, IsNominalState = 2, HasExternalData = 3, FieldCount = 4;
    }

    internal static class OptimizerGroup
    {
        public const int GroupName = 0, Step = 1, InitialLearningRate = 2, OptimizerStates = 3, FieldCount = 4;
    }

    internal static class ParameterOptimizerState
    {
        public const int ParamName = 0, Momentums = 1, FieldCount = 2;
    }

    internal static class PropertyBag
    {
        public const int Ints = 0, Floats = 1, Strings = 2, FieldCount = 3;
    }

    internal static class Property
    {
        public const int Name = 0, Value = 1, FieldCount = 2;
    }

    internal static class Tensor
    {
        public const int Name = 0, DocString = 1, Dims = 2, DataType = 3, RawData = 4, StringData = 5, ExternalDataOffset = 6;

        // Slots up to string_data; external_data_offset is never written.
        public const int FieldCount = 6;
    }
}

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// A tensor's element type, numbered exactly like ONNX <c>TensorProto.DataType</c> (and ORT's flatbuffer
/// <c>TensorDataType</c>), so the value is written to the checkpoint unchanged.
/// </summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
    Float8E4M3FN = 17,
    Float8E4M3FNUZ = 18,
    Float8E5M2 = 19,
    Float8E5M2FNUZ = 20,
    UInt4 = 21,
    Int4 = 22,
    Float4E2M1 = 23,
}

/// <summary>Sizes of <see cref="TensorElementType"/> values.</summary>
public static class TensorElementTypes
{
    /// <summary>True for every defined type except <see cref="TensorElementType.Undefined"/>.</summary>
    public static bool IsKnown(this TensorElementType type) =>
        type is >= TensorElementType.Float and <= TensorElementType.Float4E2M1;

    /// <summary>
    /// Bytes of packed little-endian data for <paramref name="elementCount"/> elements, or null where that has no meaning
    /// (strings, undefined or unknown types). 4-bit types pack two elements per byte, as ONNX raw_data does.
    /// </summary>
    /// <exception cref="OverflowException">The byte count does not fit in an <see cref="long"/>.</exception>
    public static long? ByteCount(this TensorElementType type, long elementCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        return type switch
        {
            TensorElementType.UInt4 or TensorElementType.Int4 or TensorElementType.Float4E2M1 => elementCount / 2 + elementCount % 2,
            _ => ElementSize(type) is { } size ? checked(elementCount * size) : null,
        };
    }

    /// <summary>Bytes per element, or null for strings, sub-byte, undefined and unknown types.</summary>
    public static int? ElementSize(this TensorElementType type) => type switch
    {
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool or TensorElementType.Float8E4M3FN
            or TensorElementType.Float8E4M3FNUZ or TensorElementType.Float8E5M2 or TensorElementType.Float8E5M2FNUZ => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Int64 or TensorElementType.UInt64 or TensorElementType.Double or TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        _ => null,
    };

    /// <summary>The element type that stores a .NET value type, e.g. <see cref="float"/> → <see cref="TensorElementType.Float"/>.</summary>
    /// <exception cref="NotSupportedException">No ONNX element type matches <typeparamref name="T"/>.</exception>
    public static TensorElementType Of<T>() where T : unmanaged
    {
        var t = typeof(T);
        if (t == typeof(float)) return TensorElementType.Float;
        if (t == typeof(double)) return TensorElementType.Double;
        if (t == typeof(Half)) return TensorElementType.Float16;
        if (t == typeof(byte)) return TensorElementType.UInt8;
        if (t == typeof(sbyte)) return TensorElementType.Int8;
        if (t == typeof(ushort)) return TensorElementType.UInt16;
        if (t == typeof(short)) return TensorElementType.Int16;
        if (t == typeof(int)) return TensorElementType.Int32;
        if (t == typeof(uint)) return TensorElementType.UInt32;
        if (t == typeof(long)) return TensorElementType.Int64;
        if (t == typeof(ulong)) return TensorElementType.UInt64;
        if (t == typeof(bool)) return TensorElementType.Bool;
        throw new NotSupportedException($"No ONNX tensor element type for {t.Name}.");
    }
}

namespace OrtTune.Graphs.IR;

/// <summary>Element types of ONNX tensors. Numeric values are those of the ONNX format (TensorProto.DataType).</summary>
public enum DataType
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

public static class DataTypeExtensions
{
    /// <summary>Bits per element (4 for the packed sub-byte types; 0 for strings and Undefined).</summary>
    public static int BitWidth(this DataType t) => t switch
    {
        DataType.Bool or DataType.UInt8 or DataType.Int8 => 8,
        DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ => 8,
        DataType.UInt16 or DataType.Int16 or DataType.Float16 or DataType.BFloat16 => 16,
        DataType.Float or DataType.Int32 or DataType.UInt32 => 32,
        DataType.Double or DataType.Int64 or DataType.UInt64 or DataType.Complex64 => 64,
        DataType.Complex128 => 128,
        DataType.UInt4 or DataType.Int4 or DataType.Float4E2M1 => 4,
        _ => 0,
    };

    /// <summary>Bytes taken by <paramref name="count"/> elements stored densely (sub-byte types pack two per byte).</summary>
    public static long ByteCount(this DataType t, long count)
    {
        int bits = t.BitWidth();
        if (bits == 0) throw new ArgumentException($"{t} has no fixed element size.");
        return (count * bits + 7) / 8;
    }

    public static bool IsFloatingPoint(this DataType t) => t is DataType.Float or DataType.Double or DataType.Float16
        or DataType.BFloat16 or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ or DataType.Float8E5M2
        or DataType.Float8E5M2FNUZ or DataType.Float4E2M1;

    public static bool IsInteger(this DataType t) => t is DataType.Int8 or DataType.Int16 or DataType.Int32
        or DataType.Int64 or DataType.UInt8 or DataType.UInt16 or DataType.UInt32 or DataType.UInt64
        or DataType.Int4 or DataType.UInt4;

    /// <summary>The lower-case name ONNX uses in its documentation (float, int64, ...).</summary>
    public static string OnnxName(this DataType t) => t switch
    {
        DataType.Float => "float",
        DataType.Double => "double",
        DataType.Float16 => "float16",
        DataType.BFloat16 => "bfloat16",
        _ => t.ToString().ToLowerInvariant(),
    };

    /// <summary>The element type for a CLR type used to hold tensor data.</summary>
    public static DataType FromClr<T>() => FromClr(typeof(T));

    public static DataType FromClr(Type t)
    {
        if (t == typeof(float)) return DataType.Float;
        if (t == typeof(double)) return DataType.Double;
        if (t == typeof(long)) return DataType.Int64;
        if (t == typeof(int)) return DataType.Int32;
        if (t == typeof(short)) return DataType.Int16;
        if (t == typeof(sbyte)) return DataType.Int8;
        if (t == typeof(byte)) return DataType.UInt8;
        if (t == typeof(ushort)) return DataType.UInt16;
        if (t == typeof(uint)) return DataType.UInt32;
        if (t == typeof(ulong)) return DataType.UInt64;
        if (t == typeof(bool)) return DataType.Bool;
        if (t == typeof(Half)) return DataType.Float16;
        throw new ArgumentException($"No ONNX element type for CLR type {t.Name}.");
    }
}

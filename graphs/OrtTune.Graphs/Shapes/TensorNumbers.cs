using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>Reads small known tensors as numbers and builds small tensors from numbers, for shape-valued data.</summary>
internal static class TensorNumbers
{
    public static bool IsNumeric(DataType t) => t.IsInteger() || t is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bool;

    /// <summary>The elements as doubles; null for types that are not plain numbers.</summary>
    public static double[]? ToDoubles(Tensor t) => t.DataType switch
    {
        DataType.Float => Array.ConvertAll(t.ToArray<float>(), x => (double)x),
        DataType.Double => t.ToArray<double>(),
        DataType.Float16 => Array.ConvertAll(t.ToArray<Half>(), x => (double)x),
        _ when t.DataType.IsInteger() || t.DataType == DataType.Bool => Array.ConvertAll(t.ToInt64Array(), x => (double)x),
        _ => null,
    };

    /// <summary>The elements as integers; float elements only when every one is a whole number.</summary>
    public static long[]? ToIntegers(Tensor t)
    {
        if (t.DataType.IsInteger() || t.DataType == DataType.Bool)
            return t.DataType is DataType.Int4 or DataType.UInt4 ? null : t.ToInt64Array();
        if (ToDoubles(t) is not { } d) return null;
        var result = new long[d.Length];
        for (int i = 0; i < d.Length; i++)
        {
            if (double.IsNaN(d[i]) || Math.Floor(d[i]) != d[i] || Math.Abs(d[i]) > 9.0e15) return null;
            result[i] = (long)d[i];
        }
        return result;
    }

    /// <summary>A tensor of <paramref name="type"/> holding whole numbers, or null when the type cannot be built here.</summary>
    public static Tensor? FromIntegers(DataType type, long[] dims, long[] values)
    {
        try { return Build(type, dims, values); }
        catch (OverflowException) { return null; }
    }

    private static Tensor? Build(DataType type, long[] dims, long[] values) => type switch
    {
        DataType.Int64 => Tensor.FromArray(values, dims),
        DataType.Int32 => Tensor.FromArray(Array.ConvertAll(values, v => checked((int)v)), dims),
        DataType.Int16 => Tensor.FromArray(Array.ConvertAll(values, v => checked((short)v)), dims),
        DataType.Int8 => Tensor.FromArray(Array.ConvertAll(values, v => checked((sbyte)v)), dims),
        DataType.UInt8 => Tensor.FromArray(Array.ConvertAll(values, v => checked((byte)v)), dims),
        DataType.UInt32 => Tensor.FromArray(Array.ConvertAll(values, v => checked((uint)v)), dims),
        DataType.UInt64 => Tensor.FromArray(Array.ConvertAll(values, v => checked((ulong)v)), dims),
        DataType.Bool => Tensor.FromArray(Array.ConvertAll(values, v => v != 0), dims),
        DataType.Float => Tensor.FromArray(Array.ConvertAll(values, v => (float)v), dims),
        DataType.Double => Tensor.FromArray(Array.ConvertAll(values, v => (double)v), dims),
        DataType.Float16 => Tensor.FromArray(Array.ConvertAll(values, v => (Half)v), dims),
        _ => null,
    };
}

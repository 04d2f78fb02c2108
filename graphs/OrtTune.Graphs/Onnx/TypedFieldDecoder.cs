using System.Buffers.Binary;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;

namespace OrtTune.Graphs.Onnx;

/// <summary>
/// Decodes a TensorProto's typed repeated fields (float_data, int32_data, ...) into raw little-endian bytes, following
/// the ONNX rules for which field carries which element type (small ints and 16-bit floats are widened into int32_data,
/// unsigned 32/64-bit go to uint64_data, complex numbers are pairs).
/// </summary>
internal static class TypedFieldDecoder
{
    public static byte[] Decode(TensorProto tp, DataType type, long count, string name)
    {
        var bytes = new byte[type.ByteCount(count)];
        var span = bytes.AsSpan();
        switch (type)
        {
            case DataType.Float:
                Check(tp.FloatData.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(4 * i)..], tp.FloatData[i]);
                break;
            case DataType.Complex64:
                Check(tp.FloatData.Count, 2 * count, name);
                for (int i = 0; i < 2 * count; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(4 * i)..], tp.FloatData[i]);
                break;
            case DataType.Double:
                Check(tp.DoubleData.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * i)..], tp.DoubleData[i]);
                break;
            case DataType.Complex128:
                Check(tp.DoubleData.Count, 2 * count, name);
                for (int i = 0; i < 2 * count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(8 * i)..], tp.DoubleData[i]);
                break;
            case DataType.Int64:
                Check(tp.Int64Data.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(8 * i)..], tp.Int64Data[i]);
                break;
            case DataType.UInt64:
                Check(tp.Uint64Data.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt64LittleEndian(span[(8 * i)..], tp.Uint64Data[i]);
                break;
            case DataType.UInt32:
                Check(tp.Uint64Data.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt32LittleEndian(span[(4 * i)..], (uint)tp.Uint64Data[i]);
                break;
            case DataType.Int32:
                Check(tp.Int32Data.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(4 * i)..], tp.Int32Data[i]);
                break;
            case DataType.Int16 or DataType.UInt16 or DataType.Float16 or DataType.BFloat16:
                Check(tp.Int32Data.Count, count, name);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteUInt16LittleEndian(span[(2 * i)..], (ushort)tp.Int32Data[i]);
                break;
            case DataType.Int8 or DataType.UInt8 or DataType.Bool or DataType.Float8E4M3FN or DataType.Float8E4M3FNUZ
                or DataType.Float8E5M2 or DataType.Float8E5M2FNUZ:
                Check(tp.Int32Data.Count, count, name);
                for (int i = 0; i < count; i++) bytes[i] = (byte)tp.Int32Data[i];
                break;
            case DataType.Int4 or DataType.UInt4 or DataType.Float4E2M1:
                // Two 4-bit elements per int32_data entry, already packed low nibble first.
                Check(tp.Int32Data.Count, (count + 1) / 2, name);
                for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)tp.Int32Data[i];
                break;
            default:
                throw new ModelFormatException($"tensor '{name}': cannot decode typed data of {type.OnnxName()}.");
        }
        return bytes;
    }

    private static void Check(int have, long need, string name)
    {
        if (have != need)
            throw new ModelFormatException($"tensor '{name}' holds {have} values but its shape needs {need}.");
    }
}

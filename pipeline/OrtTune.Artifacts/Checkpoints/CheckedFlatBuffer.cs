using System.Buffers.Binary;
using System.Text;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Bounds-checked FlatBuffers access for the checkpoint reader. Google.FlatBuffers' <c>Table</c>/<c>ByteBuffer</c> trust
/// every offset (a truncated file gives an index exception or garbage) and its <c>Verifier</c> only answers yes/no, so
/// the reader walks the buffer through this class, which checks each read and names the field at fault.
/// </summary>
/// <remarks>Positions are absolute byte positions in the buffer; <c>what</c> is a readable path used in messages.</remarks>
internal sealed class CheckedFlatBuffer(ReadOnlyMemory<byte> memory)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int Length => memory.Length;

    private ReadOnlySpan<byte> Span => memory.Span;

    public ReadOnlyMemory<byte> Slice(int position, int length) => memory.Slice(position, length);

    /// <summary>Throws unless bytes [position, position + size) lie inside the buffer.</summary>
    public void Require(long position, long size, string what)
    {
        if (position < 0)
            throw new CheckpointFormatException($"{what} points to byte {position}, before the start of the data: an offset is corrupt.", position);
        if (size < 0 || position > Length || size > Length - position)
            throw new CheckpointFormatException(
                $"{what} at byte {position} needs {size} bytes, but the data ends at byte {Length}: the file is truncated or an offset is corrupt.",
                position);
    }

    public ushort ReadUInt16(long position, string what)
    {
        Require(position, 2, what);
        return BinaryPrimitives.ReadUInt16LittleEndian(Span[(int)position..]);
    }

    public int ReadInt32(long position, string what)
    {
        Require(position, 4, what);
        return BinaryPrimitives.ReadInt32LittleEndian(Span[(int)position..]);
    }

    public uint ReadUInt32(long position, string what)
    {
        Require(position, 4, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(Span[(int)position..]);
    }

    /// <summary>Follows the unsigned offset stored at <paramref name="position"/> and returns the position it points to.</summary>
    public int Follow(int position, string what)
    {
        var relative = ReadUInt32(position, $"the offset of {what}");
        // Referenced objects always lie after the reference; 0 would point at the offset itself.
        if (relative == 0)
            throw new CheckpointFormatException($"the offset of {what} at byte {position} is 0: the file is corrupt.", position);
        var target = (long)position + relative;
        if (target >= Length)
            throw new CheckpointFormatException(
                $"{what} is referenced at byte {position} as byte {target}, beyond the end of the data ({Length} bytes): the file is truncated or the offset is corrupt.",
                position);
        return (int)target;
    }

    /// <summary>Opens the table at <paramref name="position"/>, checking its vtable and extent.</summary>
    public FbTable Table(int position, string what)
    {
        var vtableDistance = ReadInt32(position, $"the header of {what}");
        var vtable = (long)position - vtableDistance;
        if (vtable < 0 || vtable > Length - 4)
            throw new CheckpointFormatException(
                $"the vtable of {what} (table at byte {position}) would be at byte {vtable}, outside the data ({Length} bytes): the file is truncated or corrupt.",
                position);
        var vtableSize = ReadUInt16(vtable, $"the vtable of {what}");
        var objectSize = ReadUInt16(vtable + 2, $"the vtable of {what}");
        if (vtableSize < 4 || vtableSize % 2 != 0)
            throw new CheckpointFormatException($"the vtable of {what} at byte {vtable} declares an impossible size of {vtableSize} bytes: the file is corrupt.", vtable);
        Require(vtable, vtableSize, $"the vtable of {what}");
        if (objectSize < 4)
            throw new CheckpointFormatException($"{what} at byte {position} declares an impossible size of {objectSize} bytes: the file is corrupt.", position);
        Require(position, objectSize, what);
        return new FbTable(position, (int)vtable, vtableSize, objectSize, what);
    }

    /// <summary>The position of a field's inline value, or -1 when the field is absent (default value).</summary>
    public int Field(in FbTable table, int slot, int size, string field)
    {
        var entry = 4 + 2 * slot;
        if (entry + 2 > table.VTableSize) return -1;
        int relative = ReadUInt16(table.VTable + entry, $"the vtable of {table.What}");
        if (relative == 0) return -1;
        if (relative < 4 || relative + size > table.ObjectSize)
            throw new CheckpointFormatException(
                $"{table.What}.{field} is placed at bytes {relative}..{relative + size} of a {table.ObjectSize}-byte table: the vtable is corrupt.",
                table.Position);
        return table.Position + relative;
    }

    public int GetInt32(in FbTable table, int slot, string field, int defaultValue = 0)
    {
        var at = Field(table, slot, 4, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadInt32LittleEndian(Span[at..]);
    }

    public long GetInt64(in FbTable table, int slot, string field, long defaultValue = 0)
    {
        var at = Field(table, slot, 8, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadInt64LittleEndian(Span[at..]);
    }

    public float GetSingle(in FbTable table, int slot, string field, float defaultValue = 0)
    {
        var at = Field(table, slot, 4, field);
        return at < 0 ? defaultValue : BinaryPrimitives.ReadSingleLittleEndian(Span[at..]);
    }

    public bool GetBool(in FbTable table, int slot, string field)
    {
        var at = Field(table, slot, 1, field);
        return at >= 0 && Span[at] != 0;
    }

    public bool Has(in FbTable table, int slot, string field) => Field(table, slot, 1, field) >= 0;

    public FbTable? GetTable(in FbTable table, int slot, string field)
    {
        var at = Field(table, slot, 4, field);
        if (at < 0) return null;
        var what = $"{table.What}.{field}";
        return Table(Follow(at, what), what);
    }

    public string? GetString(in FbTable table, int slot, string field)
    {
        var at = Field(table, slot, 4, field);
        if (at < 0) return null;
        var what = $"{table.What}.{field}";
        return ReadString(Follow(at, what), what);
    }

    public FbVector? GetVector(in FbTable table, int slot, int elementSize, string field)
    {
        var at = Field(table, slot, 4, field);
        if (at < 0) return null;
        var what = $"{table.What}.{field}";
        return ReadVector(Follow(at, what), elementSize, what);
    }

    public FbVector ReadVector(int position, int elementSize, string what)
    {
        var count = ReadUInt32(position, $"the length of {what}");
        var data = (long)position + 4;
        var bytes = (long)count * elementSize;
        if (bytes > Length - data)
            throw new CheckpointFormatException(
                $"{what} at byte {position} claims {count} elements ({bytes} bytes), but the data ends at byte {Length}: the file is truncated or the length is corrupt.",
                position);
        return new FbVector((int)data, (int)count, elementSize, what);
    }

    public FbTable VectorTable(in FbVector vector, int index, string what) => Table(Follow(vector.Data + 4 * index, what), what);

    public string VectorString(in FbVector vector, int index, string what) => ReadString(Follow(vector.Data + 4 * index, what), what);

    public long VectorInt64(in FbVector vector, int index) => BinaryPrimitives.ReadInt64LittleEndian(Span[(vector.Data + 8 * index)..]);

    /// <summary>Reads a FlatBuffers string: uint32 length, UTF-8 bytes, a zero terminator.</summary>
    public string ReadString(int position, string what)
    {
        var length = ReadUInt32(position, $"the length of {what}");
        var data = (long)position + 4;
        if (length >= Length - data)
            throw new CheckpointFormatException(
                $"{what} (a string at byte {position}) claims {length} bytes, but the data ends at byte {Length}: the file is truncated or the length is corrupt.",
                position);
        if (Span[(int)(data + length)] != 0)
            throw new CheckpointFormatException($"{what} (a string at byte {position}) is not zero-terminated: the file is corrupt.", position);
        try
        {
            return StrictUtf8.GetString(Span.Slice((int)data, (int)length));
        }
        catch (DecoderFallbackException)
        {
            throw new CheckpointFormatException($"{what} (a string at byte {position}) is not valid UTF-8: the file is corrupt.", position);
        }
    }
}

/// <summary>A table checked by <see cref="CheckedFlatBuffer.Table"/>.</summary>
internal readonly record struct FbTable(int Position, int VTable, int VTableSize, int ObjectSize, string What);

/// <summary>A vector whose elements lie inside the buffer (checked by <see cref="CheckedFlatBuffer.ReadVector"/>).</summary>
internal readonly record struct FbVector(int Data, int Count, int ElementSize, string What);

using System.Buffers.Binary;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>
/// Unchecked FlatBuffers navigation for tests: finds where a field of a well-formed buffer lies, so a test can corrupt
/// exactly that field.
/// </summary>
internal static class FbProbe
{
    public static int RootTable(byte[] b) => Deref(b, 0);

    /// <summary>The absolute position of a referenced object (the uoffset at <paramref name="position"/> followed).</summary>
    public static int Deref(byte[] b, int position) => position + (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(position));

    public static int VTable(byte[] b, int table) => table - BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(table));

    /// <summary>The absolute position of a table field's inline value, or -1 when absent.</summary>
    public static int Field(byte[] b, int table, int slot)
    {
        var vt = VTable(b, table);
        var size = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vt));
        var entry = 4 + 2 * slot;
        if (entry >= size) return -1;
        var rel = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vt + entry));
        return rel == 0 ? -1 : table + rel;
    }

    /// <summary>The object a reference field points to.</summary>
    public static int Ref(byte[] b, int table, int slot)
    {
        var at = Field(b, table, slot);
        if (at < 0) throw new InvalidOperationException($"field {slot} of the table at {table} is absent");
        return Deref(b, at);
    }

    /// <summary>The table at element <paramref name="index"/> of the vector of tables at <paramref name="vector"/>.</summary>
    public static int Element(byte[] b, int vector, int index) => Deref(b, vector + 4 + 4 * index);

    public static int Length(byte[] b, int vectorOrString) => Int32(b, vectorOrString);

    public static int Int32(byte[] b, int position) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(position));

    public static byte[] WithInt32(byte[] b, int position, int value)
    {
        var copy = (byte[])b.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(position), value);
        return copy;
    }

    public static byte[] WithUInt16(byte[] b, int position, ushort value)
    {
        var copy = (byte[])b.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(position), value);
        return copy;
    }

    public static byte[] WithInt64(byte[] b, int position, long value)
    {
        var copy = (byte[])b.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(position), value);
        return copy;
    }
}

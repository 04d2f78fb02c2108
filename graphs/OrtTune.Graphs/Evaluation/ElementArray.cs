using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation;

/// <summary>
/// A tensor's elements handled without interpreting them, so that data-movement kernels (Transpose, Slice, Gather,
/// Concat, Where, ...) work for every element type: fixed-width elements move as same-sized integers, strings as
/// byte arrays. Arrays made by <see cref="Of"/> share the tensor's memory and must only be read.
/// </summary>
internal abstract class ElementArray
{
    protected ElementArray(DataType type, long length)
    {
        Type = type;
        Length = length;
    }

    public DataType Type { get; }
    public long Length { get; }

    /// <summary>A read-only view of the elements of <paramref name="tensor"/>.</summary>
    public static ElementArray Of(Tensor tensor) => tensor.DataType == DataType.String
        ? new StringElements(tensor.Strings.ToArray())
        : Raw(tensor.DataType, tensor.RawBytes);

    /// <summary>A new array of <paramref name="length"/> elements, all zero bits (empty strings for strings).</summary>
    public static ElementArray Allocate(DataType type, long length)
    {
        if (length > Array.MaxLength) throw new ArgumentException($"{length} elements are too many for a constant tensor.");
        if (type == DataType.String)
        {
            var strings = new byte[length][];
            Array.Fill(strings, []);
            return new StringElements(strings);
        }
        return Raw(type, new byte[type.ByteCount(length)]);
    }

    private static ElementArray Raw(DataType type, byte[] bytes) => type.BitWidth() switch
    {
        8 => new RawElements<byte>(type, bytes),
        16 => new RawElements<ushort>(type, bytes),
        32 => new RawElements<uint>(type, bytes),
        64 => new RawElements<ulong>(type, bytes),
        128 => new RawElements<UInt128>(type, bytes),
        _ => throw new NotSupportedException($"Elements of type {type.OnnxName()} cannot be moved one by one."),
    };

    /// <summary>Copies <paramref name="count"/> consecutive elements to <paramref name="destination"/> at <paramref name="to"/>.</summary>
    public abstract void CopyTo(long from, ElementArray destination, long to, long count);

    /// <summary>
    /// Copies the strided view (<paramref name="offset"/>, <paramref name="dims"/>, <paramref name="strides"/>, in
    /// elements) of this array densely, in row-major order, into <paramref name="destination"/> from <paramref name="to"/>.
    /// </summary>
    public abstract void CopyViewTo(long offset, long[] dims, long[] strides, ElementArray destination, long to);

    /// <summary>Sets every element to element <paramref name="index"/> of <paramref name="source"/>.</summary>
    public abstract void Fill(ElementArray source, long index);

    /// <summary>The elements as a tensor of <paramref name="dims"/> (sharing this array's memory).</summary>
    public abstract Tensor ToTensor(long[] dims);

    /// <summary>Materialises a strided view of <paramref name="tensor"/> as a new dense tensor.</summary>
    public static Tensor View(Tensor tensor, long offset, long[] dims, long[] strides)
    {
        var result = Allocate(tensor.DataType, TensorMath.Count(dims));
        Of(tensor).CopyViewTo(offset, dims, strides, result, 0);
        return result.ToTensor(dims);
    }
}

internal abstract class ElementArray<T>(DataType type, long length) : ElementArray(type, length)
{
    protected abstract Span<T> Items { get; }

    private Span<T> ItemsOf(ElementArray other) => other is ElementArray<T> same && same.Type == Type
        ? same.Items
        : throw new ArgumentException($"Cannot copy {Type.OnnxName()} elements into a {other.Type.OnnxName()} tensor.");

    public override void CopyTo(long from, ElementArray destination, long to, long count) =>
        Items.Slice(checked((int)from), checked((int)count)).CopyTo(ItemsOf(destination)[checked((int)to)..]);

    public override void CopyViewTo(long offset, long[] dims, long[] strides, ElementArray destination, long to)
    {
        long count = TensorMath.Count(dims);
        if (count == 0) return;
        var source = Items;
        var target = ItemsOf(destination);
        int rank = dims.Length;
        if (rank == 0)
        {
            target[(int)to] = source[(int)offset];
            return;
        }
        // Walk the outer axes; the innermost axis is a run that is copied as a block when it is contiguous.
        long run = dims[rank - 1], step = strides[rank - 1];
        var outer = new StridedWalker(dims[..^1], strides[..^1]);
        int at = checked((int)to);
        for (long row = count / run; row > 0; row--, outer.Next())
        {
            long start = offset + outer.Offsets[0];
            if (step == 1)
            {
                source.Slice((int)start, (int)run).CopyTo(target[at..]);
                at += (int)run;
            }
            else
            {
                for (long j = 0; j < run; j++) target[at++] = source[(int)(start + j * step)];
            }
        }
    }

    public override void Fill(ElementArray source, long index) =>
        Items.Fill(ItemsOf(source)[checked((int)index)]);
}

internal sealed class RawElements<T>(DataType type, byte[] bytes) : ElementArray<T>(type, bytes.Length / Unsafe.SizeOf<T>())
    where T : unmanaged
{
    protected override Span<T> Items => MemoryMarshal.Cast<byte, T>(bytes.AsSpan());
    public override Tensor ToTensor(long[] dims) => Tensor.FromRaw(Type, dims, bytes);
}

internal sealed class StringElements(byte[][] items) : ElementArray<byte[]>(DataType.String, items.Length)
{
    protected override Span<byte[]> Items => items;
    public override Tensor ToTensor(long[] dims) => Tensor.FromStrings(dims, items);
}

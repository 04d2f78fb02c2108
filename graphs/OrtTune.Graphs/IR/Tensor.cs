using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace OrtTune.Graphs.IR;

/// <summary>
/// Constant tensor data: an element type, dimensions and lazily read bytes (little-endian, dense, as ONNX raw_data).
/// String tensors hold their elements as byte strings instead.
/// </summary>
public sealed class Tensor
{
    private readonly long[] _dims;
    private byte[][]? _strings;

    public Tensor(DataType dataType, IEnumerable<long> dims, TensorStorage storage)
    {
        if (dataType == DataType.String) throw new ArgumentException("Use Tensor.FromStrings for string tensors.");
        DataType = dataType;
        _dims = dims.ToArray();
        Storage = storage;
        long expected = dataType.ByteCount(ElementCount);
        if (storage.ByteLength != expected)
            throw new ArgumentException(
                $"Tensor of {dataType.OnnxName()}[{string.Join(",", _dims)}] needs {expected} bytes but its data has {storage.ByteLength}.");
    }

    private Tensor(IEnumerable<long> dims, byte[][] strings)
    {
        DataType = DataType.String;
        _dims = dims.ToArray();
        _strings = strings;
        Storage = new InMemoryStorage([]);
        if (strings.LongLength != ElementCount)
            throw new ArgumentException($"String tensor [{string.Join(",", _dims)}] needs {ElementCount} elements, got {strings.Length}.");
    }

    public DataType DataType { get; }
    public IReadOnlyList<long> Dims => _dims;
    public int Rank => _dims.Length;
    public long ElementCount => _dims.Aggregate(1L, (a, b) => a * b);
    public Shape Shape => new(_dims);
    public TensorType Type => new(DataType, Shape);

    /// <summary>Where the bytes live; swapped by the model writer when it moves data into an external file.</summary>
    public TensorStorage Storage { get; internal set; }

    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>Metadata key marking a tensor OrtTune computed by constant folding (kept in the file).</summary>
    public const string FoldedMetadataKey = "orttune.folded";

    /// <summary>
    /// True for data OrtTune computed from other constants (shape arithmetic, position tables): a constant of the
    /// graph, never a trainable parameter, whatever its size or type.
    /// </summary>
    public bool IsFolded => Metadata.Any(p => p.Key == FoldedMetadataKey);

    public void MarkFolded()
    {
        if (!IsFolded) Metadata.Add(KeyValuePair.Create(FoldedMetadataKey, "true"));
    }

    public long ByteLength => DataType == DataType.String ? _strings!.Sum(s => (long)s.Length) : Storage.ByteLength;

    /// <summary>The raw little-endian bytes (read now if the tensor was not yet loaded).</summary>
    public byte[] RawBytes => DataType == DataType.String
        ? throw new InvalidOperationException("String tensors have no raw bytes; use Strings.")
        : Storage.ReadAll();

    public IReadOnlyList<byte[]> Strings => _strings ?? throw new InvalidOperationException($"A {DataType.OnnxName()} tensor has no strings.");

    /// <summary>The elements as a span of <typeparamref name="T"/>, which must match the element size.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        return MemoryMarshal.Cast<byte, T>(RawBytes);
    }

    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>Integer elements widened to long, whatever the integer type (for shapes, axes, indices).</summary>
    public long[] ToInt64Array() => DataType switch
    {
        DataType.Int64 => ToArray<long>(),
        DataType.Int32 => Array.ConvertAll(ToArray<int>(), x => (long)x),
        DataType.Int16 => Array.ConvertAll(ToArray<short>(), x => (long)x),
        DataType.Int8 => Array.ConvertAll(ToArray<sbyte>(), x => (long)x),
        DataType.UInt8 => Array.ConvertAll(ToArray<byte>(), x => (long)x),
        DataType.UInt16 => Array.ConvertAll(ToArray<ushort>(), x => (long)x),
        DataType.UInt32 => Array.ConvertAll(ToArray<uint>(), x => (long)x),
        DataType.UInt64 => Array.ConvertAll(ToArray<ulong>(), x => checked((long)x)),
        DataType.Bool => Array.ConvertAll(ToArray<byte>(), x => (long)x),
        _ => throw new InvalidOperationException($"A {DataType.OnnxName()} tensor does not hold integers."),
    };

    private void CheckElementType<T>() where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>(); // bool is 1 byte here, like ONNX bool (Marshal.SizeOf says 4)
        if (DataType.BitWidth() != size * 8 && !(DataType == DataType.Bool && size == 1))
            throw new InvalidOperationException($"Cannot view {DataType.OnnxName()} data as {typeof(T).Name}.");
    }

    public static Tensor FromArray<T>(T[] data, params long[] dims) where T : unmanaged
    {
        var type = DataTypeExtensions.FromClr<T>();
        var bytes = MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        if (type == DataType.Bool)
            for (int i = 0; i < bytes.Length; i++) bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
        return new Tensor(type, dims, new InMemoryStorage(bytes));
    }

    /// <summary>A 1-D tensor holding <paramref name="data"/>.</summary>
    public static Tensor Vector<T>(params T[] data) where T : unmanaged => FromArray(data, data.Length);

    public static Tensor Scalar<T>(T value) where T : unmanaged => FromArray([value]);

    public static Tensor FromRaw(DataType type, long[] dims, byte[] raw) => new(type, dims, new InMemoryStorage(raw));

    public static Tensor FromStrings(long[] dims, IEnumerable<byte[]> strings) => new(dims, strings.ToArray());

    public static Tensor FromStrings(long[] dims, IEnumerable<string> strings) =>
        new(dims, strings.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <summary>True when every element and dimension of both tensors match byte for byte.</summary>
    public bool ContentEquals(Tensor other)
    {
        if (DataType != other.DataType || !_dims.AsSpan().SequenceEqual(other._dims)) return false;
        if (DataType == DataType.String)
            return _strings!.Length == other._strings!.Length && _strings.Zip(other._strings).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        return RawBytes.AsSpan().SequenceEqual(other.RawBytes);
    }

    public override string ToString() => $"Tensor {DataType.OnnxName()}[{string.Join(",", _dims)}]";
}

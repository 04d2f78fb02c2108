using System.Collections.ObjectModel;
using System.Runtime.InteropServices;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// One named tensor of a checkpoint (a parameter or an optimizer state): element type, dims and either packed
/// little-endian bytes or, for <see cref="TensorElementType.String"/>, a list of strings. Immutable.
/// </summary>
/// <remarks>
/// A tensor may carry no data (<see cref="HasData"/> false): that is what a nominal checkpoint holds, names and shapes
/// only. Data read from a file may share one buffer with the other tensors of that file.
/// </remarks>
public sealed class NamedTensor
{
    private readonly long[] _dims;

    private NamedTensor(string name, TensorElementType type, long[] dims, long elementCount,
        ReadOnlyMemory<byte> rawData, IReadOnlyList<string>? stringData, string? docString)
    {
        Name = name;
        ElementType = type;
        _dims = dims;
        Dims = new ReadOnlyCollection<long>(dims);
        ElementCount = elementCount;
        RawData = rawData;
        StringData = stringData;
        DocString = docString;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public IReadOnlyList<long> Dims { get; }

    /// <summary>The product of <see cref="Dims"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Packed little-endian element data; empty for string tensors and tensors without data.</summary>
    public ReadOnlyMemory<byte> RawData { get; }

    /// <summary>The elements of a <see cref="TensorElementType.String"/> tensor; null for other types and when there is no data.</summary>
    public IReadOnlyList<string>? StringData { get; }

    /// <summary>ONNX doc_string, kept so that a rewritten file says the same; null when absent.</summary>
    public string? DocString { get; }

    /// <summary>False for a tensor that has a name and shape but no values (nominal checkpoints).</summary>
    public bool HasData => ElementType == TensorElementType.String
        ? StringData is not null
        : !RawData.IsEmpty || ElementCount == 0;

    /// <summary>Bytes of data the element type and shape need (0 for strings).</summary>
    public long ExpectedByteCount => ElementType.ByteCount(ElementCount) ?? 0;

    public long[] GetDims() => (long[])_dims.Clone();

    /// <summary>A tensor from packed little-endian bytes; the bytes are not copied.</summary>
    /// <exception cref="ArgumentException">Bad name, negative dim, unknown or string type, or a byte count that does not match the shape.</exception>
    public static NamedTensor FromRawData(string name, TensorElementType elementType, ReadOnlySpan<long> dims,
        ReadOnlyMemory<byte> rawData, string? docString = null)
    {
        if (elementType == TensorElementType.String)
            throw new ArgumentException("String tensors hold strings, not raw bytes: use FromStrings.", nameof(elementType));
        var (dimArray, count) = CheckShape(name, elementType, dims);
        var expected = elementType.ByteCount(count)!.Value; // cannot overflow: CheckShape checked it
        if (rawData.Length != expected)
            throw new ArgumentException(
                $"Tensor '{name}' ({elementType} [{string.Join(",", dimArray)}]) needs {expected} bytes of data, got {rawData.Length}.",
                nameof(rawData));
        return new NamedTensor(name, elementType, dimArray, count, rawData, null, docString);
    }

    /// <summary>A tensor holding a copy of <paramref name="values"/>; the element type follows <typeparamref name="T"/>.</summary>
    public static NamedTensor FromValues<T>(string name, ReadOnlySpan<long> dims, ReadOnlySpan<T> values, string? docString = null)
        where T : unmanaged
    {
        RequireLittleEndian();
        return FromRawData(name, TensorElementTypes.Of<T>(), dims, MemoryMarshal.AsBytes(values).ToArray(), docString);
    }

    /// <summary>A <see cref="TensorElementType.String"/> tensor; one string per element.</summary>
    public static NamedTensor FromStrings(string name, ReadOnlySpan<long> dims, IEnumerable<string> values, string? docString = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var (dimArray, count) = CheckShape(name, TensorElementType.String, dims);
        var list = values.ToArray();
        if (list.Length != count)
            throw new ArgumentException($"String tensor '{name}' [{string.Join(",", dimArray)}] needs {count} strings, got {list.Length}.", nameof(values));
        if (Array.IndexOf(list, null) >= 0)
            throw new ArgumentException($"String tensor '{name}' contains a null string.", nameof(values));
        return new NamedTensor(name, TensorElementType.String, dimArray, count, ReadOnlyMemory<byte>.Empty, Array.AsReadOnly(list), docString);
    }

    /// <summary>A tensor with a name, type and shape but no values, as held by a nominal checkpoint.</summary>
    public static NamedTensor WithoutData(string name, TensorElementType elementType, ReadOnlySpan<long> dims, string? docString = null)
    {
        var (dimArray, count) = CheckShape(name, elementType, dims);
        return new NamedTensor(name, elementType, dimArray, count, ReadOnlyMemory<byte>.Empty, null, docString);
    }

    /// <summary>A tensor with the same type, shape and data, named <paramref name="name"/> (data shared, not copied).</summary>
    public NamedTensor WithName(string name)
    {
        CheckName(name);
        return new NamedTensor(name, ElementType, _dims, ElementCount, RawData, StringData, DocString);
    }

    /// <summary>The data as a new array of <typeparamref name="T"/>, which must match <see cref="ElementType"/>.</summary>
    /// <exception cref="InvalidOperationException">Type mismatch, or the tensor has no data.</exception>
    public T[] ToArray<T>() where T : unmanaged
    {
        RequireLittleEndian();
        if (TensorElementTypes.Of<T>() != ElementType)
            throw new InvalidOperationException($"Tensor '{Name}' holds {ElementType}, not {typeof(T).Name}.");
        if (!HasData) throw new InvalidOperationException($"Tensor '{Name}' has no data (nominal).");
        return MemoryMarshal.Cast<byte, T>(RawData.Span).ToArray();
    }

    public override string ToString() => $"{Name}: {ElementType}[{string.Join(",", _dims)}]{(HasData ? "" : " (no data)")}";

    // Used by the reader, which has already checked everything and reports problems as format errors.
    internal static NamedTensor FromTrusted(string name, TensorElementType type, long[] dims, long elementCount,
        ReadOnlyMemory<byte> rawData, IReadOnlyList<string>? stringData, string? docString) =>
        new(name, type, dims, elementCount, rawData, stringData, docString);

    private static (long[] Dims, long Count) CheckShape(string name, TensorElementType type, ReadOnlySpan<long> dims)
    {
        CheckName(name);
        if (!type.IsKnown())
            throw new ArgumentException($"Tensor '{name}' has element type {(int)type}, which is not an ONNX tensor element type.", nameof(type));
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"Tensor '{name}' has a negative dim ({d}) in [{string.Join(",", dims.ToArray())}].", nameof(dims));
            try { count = checked(count * d); }
            catch (OverflowException) { throw new ArgumentException($"Tensor '{name}' has more elements than fit in a 64-bit count.", nameof(dims)); }
        }
        // Checked here so that ExpectedByteCount never throws.
        try { type.ByteCount(count); }
        catch (OverflowException) { throw new ArgumentException($"Tensor '{name}' has more bytes than fit in a 64-bit count.", nameof(dims)); }
        return (dims.ToArray(), count);
    }

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new ArgumentException("A checkpoint tensor needs a non-empty name.", nameof(name));
    }

    // Raw data is little-endian by definition; reinterpreting it on a big-endian host would scramble values.
    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Typed tensor access needs a little-endian host (checkpoint data is little-endian).");
    }
}

namespace OrtTune.Graphs.IR;

/// <summary>
/// Where a tensor's bytes live. Storage is read only when a caller asks for the data, so loading a model never
/// touches the weights of tensors that nobody reads.
/// </summary>
public abstract class TensorStorage
{
    /// <summary>Number of raw (little-endian, densely packed) bytes.</summary>
    public abstract long ByteLength { get; }

    /// <summary>Reads all bytes into memory. Fails for tensors over 2 GB; use <see cref="CopyTo"/> for those.</summary>
    public abstract byte[] ReadAll();

    /// <summary>Streams the bytes to <paramref name="destination"/> without holding them all in memory.</summary>
    public virtual void CopyTo(Stream destination) => destination.Write(ReadAll());

    /// <summary>True when the bytes are already in managed memory.</summary>
    public abstract bool IsInMemory { get; }
}

/// <summary>Bytes held in managed memory.</summary>
public sealed class InMemoryStorage(byte[] bytes) : TensorStorage
{
    public byte[] Bytes { get; } = bytes;
    public override long ByteLength => Bytes.LongLength;
    public override byte[] ReadAll() => Bytes;
    public override bool IsInMemory => true;
}

/// <summary>Bytes at an offset of an external-data file beside the model (ONNX "external data").</summary>
public sealed class ExternalStorage : TensorStorage
{
    public ExternalStorage(string path, long offset, long length)
    {
        Path = path;
        Offset = offset;
        Length = length;
    }

    /// <summary>Absolute path of the data file.</summary>
    public string Path { get; }
    public long Offset { get; }
    public long Length { get; }
    public override long ByteLength => Length;
    public override bool IsInMemory => false;

    public override byte[] ReadAll()
    {
        if (Length > Array.MaxLength)
            throw new InvalidOperationException(
                $"Tensor data of {Length} bytes in '{Path}' is too large for one managed array; stream it with CopyTo.");
        var buffer = new byte[Length];
        using var stream = Open();
        stream.ReadExactly(buffer);
        return buffer;
    }

    public override void CopyTo(Stream destination)
    {
        using var stream = Open();
        var buffer = new byte[1 << 20];
        long left = Length;
        while (left > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) throw new EndOfStreamException($"External data file '{Path}' ended before offset {Offset + Length}.");
            destination.Write(buffer, 0, n);
            left -= n;
        }
    }

    private FileStream Open()
    {
        var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (stream.Length < Offset + Length)
        {
            stream.Dispose();
            throw new EndOfStreamException(
                $"External data file '{Path}' has {new FileInfo(Path).Length} bytes; the tensor needs bytes {Offset}..{Offset + Length}.");
        }
        stream.Seek(Offset, SeekOrigin.Begin);
        return stream;
    }
}

/// <summary>Bytes computed on first use (e.g. decoded from a protobuf typed field) and then kept.</summary>
public sealed class DeferredStorage(long byteLength, Func<byte[]> produce) : TensorStorage
{
    private byte[]? _bytes;
    private Func<byte[]>? _produce = produce;

    public override long ByteLength { get; } = byteLength;
    public override bool IsInMemory => _bytes is not null;

    public override byte[] ReadAll()
    {
        if (_bytes is null)
        {
            _bytes = _produce!();
            _produce = null;
        }
        return _bytes;
    }
}

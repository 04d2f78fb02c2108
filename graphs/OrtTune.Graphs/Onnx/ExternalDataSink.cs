using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Onnx;

/// <summary>
/// Collects initializer bytes into one external-data file while a model is written. Offsets are aligned so that
/// ONNX Runtime can memory-map large tensors. After the file is committed, the tensors written are re-pointed at it,
/// so a lazily loaded tensor never reads from a file that the save replaced.
/// </summary>
internal sealed class ExternalDataSink : IDisposable
{
    private const int SmallAlignment = 64;
    private const int PageAlignment = 4096;
    private const long PageAlignThreshold = 1 << 20;

    private readonly FileStream _stream;
    private readonly Func<Tensor, bool> _policy;
    private readonly List<(Tensor tensor, long offset, long length)> _written = [];

    public ExternalDataSink(string finalPath, string location, Func<Tensor, bool> policy)
    {
        FinalPath = finalPath;
        Location = location;
        TempPath = finalPath + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        _policy = policy;
        _stream = new FileStream(TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string FinalPath { get; }
    public string TempPath { get; }

    /// <summary>The file name as recorded in the model (relative to the model's folder).</summary>
    public string Location { get; }

    public bool IsEmpty => _written.Count == 0;

    public bool ShouldExternalize(Tensor t) => _policy(t);

    public (string location, long offset, long length) Append(Tensor t)
    {
        long alignment = t.ByteLength >= PageAlignThreshold ? PageAlignment : SmallAlignment;
        long offset = (_stream.Position + alignment - 1) / alignment * alignment;
        if (offset > _stream.Position) _stream.Write(new byte[offset - _stream.Position]);
        t.Storage.CopyTo(_stream);
        long length = _stream.Position - offset;
        _written.Add((t, offset, length));
        return (Location, offset, length);
    }

    /// <summary>Flushes the temporary file to disk. Call before committing the model file.</summary>
    public void Flush() => _stream.Flush(flushToDisk: true);

    /// <summary>Moves the temporary file into place and re-points written tensors at the final file.</summary>
    public void Commit()
    {
        _stream.Dispose();
        File.Move(TempPath, FinalPath, overwrite: true);
        foreach (var (tensor, offset, length) in _written)
            if (!tensor.Storage.IsInMemory) tensor.Storage = new ExternalStorage(FinalPath, offset, length);
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (File.Exists(TempPath)) File.Delete(TempPath);
    }
}

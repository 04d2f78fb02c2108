using Google.Protobuf;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;

namespace OrtTune.Graphs.Onnx;

/// <summary>Where initializer data goes when a model is saved.</summary>
public enum ExternalDataMode
{
    /// <summary>Tensors already external stay external; if the file would pass the protobuf limit, every tensor of at least <see cref="SaveOptions.ExternalDataThreshold"/> bytes goes external.</summary>
    Auto,
    /// <summary>Every initializer of at least <see cref="SaveOptions.ExternalDataThreshold"/> bytes goes to the external-data file.</summary>
    Always,
    /// <summary>Everything inside the .onnx file (fails for models over 2 GB).</summary>
    Never,
}

/// <summary>How <see cref="OnnxModelIO.Save"/> writes a model.</summary>
public sealed record SaveOptions
{
    /// <summary>Default <see cref="ExternalDataMode.Auto"/>.</summary>
    public ExternalDataMode ExternalData { get; init; } = ExternalDataMode.Auto;

    /// <summary>Initializers smaller than this many bytes stay inside the model file. Default 1024.</summary>
    public long ExternalDataThreshold { get; init; } = 1024;

    /// <summary>File name of the external data, beside the model. Default: the model file name plus ".data".</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>
    /// Data files beside the model that it shares with other models (full paths): tensors stored in one of them are
    /// written as references to it, not copied into this model's files. Default none.
    /// </summary>
    public IReadOnlyCollection<string> SharedDataFiles { get; init; } = [];
}

/// <summary>Loads and saves ONNX models (with external data) as OrtTune IR.</summary>
public static class OnnxModelIO
{
    /// <summary>Protobuf cannot hold a message of 2 GiB or more; stay clear of it with some margin for the graph itself.</summary>
    internal const long InlineLimit = 2_000_000_000L;

    public static Model Load(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ModelFormatException($"ONNX model file not found: {full}");
        var length = new FileInfo(full).Length;
        if (length >= int.MaxValue)
            throw new ModelFormatException(
                $"'{path}' is {length} bytes; a protobuf file cannot exceed 2 GB. Models this large keep their weights in external data files.");
        return Parse(File.ReadAllBytes(full), Path.GetDirectoryName(full)!, path);
    }

    /// <summary>Loads a model from bytes; external data, if any, is looked up in <paramref name="baseDirectory"/>.</summary>
    public static Model Load(byte[] bytes, string? baseDirectory = null) =>
        Parse(bytes, baseDirectory ?? Directory.GetCurrentDirectory(), "(in-memory model)");

    private static Model Parse(byte[] bytes, string baseDirectory, string source)
    {
        if (bytes.Length == 0) throw new ModelFormatException($"'{source}' is empty, not an ONNX model.");
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            string what = StartsLikeModel(bytes) ? "is truncated or corrupt" : "is not an ONNX model (it is not a valid protobuf ModelProto)";
            throw new ModelFormatException($"'{source}' {what}: {e.Message}", e);
        }
        return ModelReader.Read(proto, baseDirectory, source);
    }

    /// <summary>
    /// True when the bytes begin as a ModelProto does: every top-level field up to the damage is a ModelProto field
    /// with the right wire type, and ir_version (which serializers write first) is among them. Protobuf's own error
    /// cannot tell a model cut short from a text file whose bytes happen to read as an over-long field.
    /// </summary>
    private static bool StartsLikeModel(ReadOnlySpan<byte> bytes)
    {
        bool irVersion = false;
        int pos = 0;
        while (pos < bytes.Length)
        {
            if (!TryReadVarint(bytes, ref pos, out ulong tag)) break;
            int wireType = (tag >> 3) switch
            {
                1 or 5 => 0, // ir_version, model_version
                2 or 3 or 4 or 6 or 7 or 8 or 14 or 20 or 25 => 2, // strings and messages
                _ => -1,
            };
            if ((int)(tag & 7) != wireType) return false;
            irVersion |= tag >> 3 == 1;
            if (!TryReadVarint(bytes, ref pos, out ulong value)) break;
            if (wireType == 2) pos = value > (ulong)(bytes.Length - pos) ? bytes.Length : pos + (int)value;
        }
        return irVersion;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> bytes, ref int pos, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && pos < bytes.Length; shift += 7)
        {
            byte b = bytes[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    /// <summary>The whole model as one protobuf (no external data). Fails beyond the 2 GB protobuf limit.</summary>
    public static byte[] ToBytes(Model model)
    {
        long inline = InlineBytes(model.Graph, _ => false);
        if (inline >= InlineLimit)
            throw new OrtTuneException($"The model holds {inline} bytes of tensors; one protobuf cannot exceed 2 GB. Save it with external data instead.");
        return new ModelWriter(null).Write(model).ToByteArray();
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> atomically: the model and its external data go to
    /// temporary files that are flushed and then renamed over the targets, so a crash leaves the old files intact.
    /// </summary>
    public static void Save(Model model, string path, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string dataName = options.ExternalDataFileName ?? Path.GetFileName(full) + ".data";
        if (Path.IsPathRooted(dataName) || dataName.Contains(Path.DirectorySeparatorChar))
            throw new ArgumentException($"The external-data file name must be a plain file name, got '{dataName}'.");

        var shared = options.SharedDataFiles.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        foreach (var file in shared)
            if (Path.GetDirectoryName(file) != dir)
                throw new ArgumentException($"A shared data file must lie beside the model in '{dir}', got '{file}'.");
        bool IsShared(Tensor t) => t.Storage is ExternalStorage s && shared.Contains(s.Path);
        var chosen = ChoosePolicy(model, options, IsShared);
        Func<Tensor, bool> policy = t => !IsShared(t) && chosen(t);
        bool anyExternal = model.Graph.Initializers.Any(v => policy(v.Initializer!))
                           || model.Graph.AllNodes().SelectMany(n => n.Subgraphs).SelectMany(g => g.Initializers).Any(v => policy(v.Initializer!));

        string tempModel = full + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        if (shared.Contains(Path.Combine(dir, dataName)))
            throw new ArgumentException($"The model's own external-data file '{dataName}' cannot also be a shared data file.");
        ExternalDataSink? sink = anyExternal ? new ExternalDataSink(Path.Combine(dir, dataName), dataName, policy) : null;
        try
        {
            var proto = new ModelWriter(sink, IsShared).Write(model);
            long size = proto.CalculateSize();
            if (size < 0 || size >= int.MaxValue)
                throw new OrtTuneException("The model file would exceed the 2 GB protobuf limit; save with ExternalDataMode.Always.");
            using (var stream = new FileStream(tempModel, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                proto.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            if (sink is not null)
            {
                sink.Flush();
                sink.Commit();
            }
            File.Move(tempModel, full, overwrite: true);
        }
        finally
        {
            sink?.Dispose();
            if (File.Exists(tempModel)) File.Delete(tempModel);
        }
    }

    /// <summary>True when the whole model fits one protobuf file (no external data needed).</summary>
    public static bool FitsInOneFile(Model model) => InlineBytes(model.Graph, _ => false) < InlineLimit;

    private static Func<Tensor, bool> ChoosePolicy(Model model, SaveOptions options, Func<Tensor, bool> shared)
    {
        bool BigEnough(Tensor t) => t.DataType != DataType.String && t.ByteLength >= options.ExternalDataThreshold;
        switch (options.ExternalData)
        {
            case ExternalDataMode.Never:
                long total = InlineBytes(model.Graph, shared);
                if (total >= InlineLimit)
                    throw new OrtTuneException($"The model holds {total} bytes of tensors; it cannot be saved without external data (protobuf's 2 GB limit).");
                return _ => false;
            case ExternalDataMode.Always:
                return BigEnough;
            default:
                Func<Tensor, bool> keep = t => t.Storage is ExternalStorage && BigEnough(t);
                return InlineBytes(model.Graph, t => shared(t) || keep(t)) >= InlineLimit ? BigEnough : keep;
        }
    }

    /// <summary>Bytes of initializer data that would be written inline under <paramref name="external"/>.</summary>
    private static long InlineBytes(Graph graph, Func<Tensor, bool> external)
    {
        long total = graph.Initializers.Select(v => v.Initializer!).Where(t => !external(t)).Sum(t => t.ByteLength);
        foreach (var node in graph.Nodes)
        {
            foreach (var a in node.Attributes.Values)
                if (a.Kind == AttributeKind.Tensor) total += ((Tensor)a.Value).ByteLength;
            foreach (var sub in node.Subgraphs) total += InlineBytes(sub, external);
        }
        return total;
    }
}

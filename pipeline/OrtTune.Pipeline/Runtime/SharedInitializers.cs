using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Runtime;

/// <summary>
/// The artifacts' shared weights (<see cref="ArtifactManifest.SharedWeights"/>) read once into native tensors and
/// given to every session that opens one of the graphs (SessionOptions.AddInitializer): ONNX Runtime then uses these
/// buffers instead of loading its own copy, so the training and the eval graph hold the frozen weights once. Dispose
/// after the sessions that use it.
/// </summary>
public sealed class SharedInitializers : IDisposable
{
    // ONNX Runtime takes only buffers the caller owns (not its allocator's): native memory, freed after the values.
    private readonly List<(string Name, OrtValue Value, IntPtr Buffer)> _tensors;

    private SharedInitializers(List<(string, OrtValue, IntPtr)> tensors) => _tensors = tensors;

    /// <summary>Reads the shared weights of <paramref name="directory"/>; null when its manifest records none.</summary>
    /// <exception cref="ArtifactFormatException">The file is missing, shorter than the manifest says, or a tensor's size does not match its shape.</exception>
    public static SharedInitializers? Load(string directory, ArtifactManifest manifest)
    {
        if (manifest.SharedWeights is not { } spec) return null;
        var path = Path.Combine(directory, spec.File);
        if (!File.Exists(path))
            throw new ArtifactFormatException($"'{path}' is missing: the manifest says the training and eval graphs keep their shared weights there. Prepare the artifacts again.");
        var tensors = new List<(string, OrtValue, IntPtr)>();
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            foreach (var t in spec.Tensors)
            {
                var type = ElementTypes.FromName(t.ElemType);
                long expected = type.ByteCount(t.Shape.Aggregate(1L, (a, b) => a * b))
                                ?? throw new ArtifactFormatException($"Shared weight '{t.Name}' has type {t.ElemType}, which has no fixed size.");
                if (expected != t.Length)
                    throw new ArtifactFormatException($"Shared weight '{t.Name}' is {t.ElemType}[{string.Join(",", t.Shape)}] ({expected} bytes) but the manifest gives it {t.Length} bytes.");
                if (t.Offset < 0 || t.Offset + t.Length > stream.Length)
                    throw new ArtifactFormatException($"'{path}' has {stream.Length} bytes; shared weight '{t.Name}' needs bytes {t.Offset}..{t.Offset + t.Length}. The file is truncated or from other artifacts.");
                var buffer = Marshal.AllocHGlobal((nint)Math.Max(t.Length, 1));
                OrtValue value;
                try
                {
                    value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance,
                        (Microsoft.ML.OnnxRuntime.Tensors.TensorElementType)(int)type, t.Shape, buffer, t.Length);
                }
                catch
                {
                    Marshal.FreeHGlobal(buffer);
                    throw;
                }
                tensors.Add((t.Name, value, buffer));
                stream.Seek(t.Offset, SeekOrigin.Begin);
                stream.ReadExactly(value.GetTensorMutableRawData());
            }
        }
        catch
        {
            Free(tensors);
            throw;
        }
        return new SharedInitializers(tensors);
    }

    /// <summary>Makes <paramref name="options"/>' session use these buffers for the initializers of the same names.</summary>
    public void AddTo(SessionOptions options)
    {
        foreach (var (name, value, _) in _tensors) options.AddInitializer(name, value);
    }

    public void Dispose() => Free(_tensors);

    private static void Free(List<(string, OrtValue Value, IntPtr Buffer)> tensors)
    {
        foreach (var (_, value, buffer) in tensors)
        {
            value.Dispose();
            Marshal.FreeHGlobal(buffer);
        }
        tensors.Clear();
    }
}

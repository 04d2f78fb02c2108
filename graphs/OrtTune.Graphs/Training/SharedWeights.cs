using OrtTune.Artifacts;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Training;

/// <summary>
/// Stores the initializers that the training and the eval graph both hold (same name, type, shape and bytes: the
/// frozen weights, mostly) once, in one file beside them, and points both graphs' tensors at it, so that saving them
/// with that file in <see cref="Onnx.SaveOptions.SharedDataFiles"/> writes references instead of copies. The
/// portable runner reads the file once and gives both sessions the same buffers.
/// Only tensors read as weights are shared: by MatMul or Gemm as the second operand, by Gather as the table, by
/// DequantizeLinear, or through a Transpose (a tied embedding's LM head). ONNX Runtime's graph optimizers rewrite
/// other constants in place, e.g. the transpose optimizer re-lays a RoPE table that an element-wise op broadcasts,
/// and a buffer the runner owns cannot follow that rewrite.
/// </summary>
public static class SharedWeights
{
    /// <summary>Smaller initializers stay inside each graph: sharing them saves nothing worth a lookup.</summary>
    public const long MinimumBytes = 1024;

    private const long Alignment = 4096;

    /// <summary>Writes the file atomically and re-points the tensors; null (and no file) when the graphs share nothing.</summary>
    public static SharedWeightsSpec? Write(string directory, Graph training, Graph eval, string fileName = SharedWeightsSpec.DefaultFile)
    {
        var evalInitializers = eval.Initializers.ToDictionary(v => v.Name, v => v.Initializer!, StringComparer.Ordinal);
        var pairs = new List<(string Name, Tensor Training, Tensor Eval)>();
        foreach (var v in training.Initializers)
        {
            var t = v.Initializer!;
            if (t.DataType == DataType.String || t.ByteLength < MinimumBytes || t.ByteLength > Array.MaxLength) continue;
            if (evalInitializers.TryGetValue(v.Name, out var e) && e.ContentEquals(t) && ReadAsWeight(v) && ReadAsWeight(eval.FindInitializer(v.Name)!))
                pairs.Add((v.Name, t, e));
        }
        if (pairs.Count == 0) return null;

        var path = Path.GetFullPath(Path.Combine(directory, fileName));
        var specs = new List<SharedTensorSpec>();
        AtomicFile.Write(path, stream =>
        {
            foreach (var (name, t, _) in pairs)
            {
                long offset = (stream.Position + Alignment - 1) / Alignment * Alignment;
                if (offset > stream.Position) stream.Write(new byte[offset - stream.Position]);
                stream.Write(t.RawBytes);
                specs.Add(new SharedTensorSpec(name, t.DataType.OnnxName(), t.Dims.ToArray(), offset, t.ByteLength));
            }
        });
        foreach (var ((_, t, e), spec) in pairs.Zip(specs))
        {
            // The bytes now live in the file: both tensors read them from there (and the managed copies can go).
            t.Storage = new ExternalStorage(path, spec.Offset, spec.Length);
            e.Storage = new ExternalStorage(path, spec.Offset, spec.Length);
        }
        return new SharedWeightsSpec { File = fileName, Tensors = specs };
    }

    private static bool ReadAsWeight(Value v) => v.Uses.Count > 0 && v.Uses.All(u => (u.Node.Domain, u.Node.OpType, u.InputIndex) is
        ("", "MatMul" or "Gemm", 1) or ("", "Gather", 0) or ("", "DequantizeLinear", 0 or 1) or ("", "Transpose", 0));
}

using System.Text;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Graphs.Tests.TestSupport;

/// <summary>Writes a tensor as a .npy file (format 1.0, C order), for feeding batches to the Node oracle.</summary>
public static class NpyWriter
{
    public static void Write(string path, NamedTensor tensor)
    {
        var descr = tensor.ElementType switch
        {
            TensorElementType.Float => "<f4",
            TensorElementType.Int64 => "<i8",
            TensorElementType.Int32 => "<i4",
            TensorElementType.Bool => "|b1",
            var other => throw new ArgumentException($"No .npy dtype for {other}."),
        };
        var dims = tensor.GetDims();
        var shape = dims.Length == 1 ? $"({dims[0]},)" : $"({string.Join(", ", dims)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.Latin1.GetBytes(header));
        file.Write(tensor.RawData.Span);
    }
}

using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace OrtTune.Pipeline.Tests.Graphs;

/// <summary>Writes small .npz archives (zip of .npy v1.0 arrays) for reader tests.</summary>
internal static class NpzWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, Array> arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, array) in arrays)
        {
            using var stream = zip.CreateEntry(name + ".npy").Open();
            var (descr, bytes) = array switch
            {
                long[] l => ("<i8", MemoryMarshal.AsBytes(l.AsSpan()).ToArray()),
                int[] i => ("<i4", MemoryMarshal.AsBytes(i.AsSpan()).ToArray()),
                float[] f => ("<f4", MemoryMarshal.AsBytes(f.AsSpan()).ToArray()),
                _ => throw new ArgumentException(array.GetType().Name),
            };
            string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({array.Length},), }}";
            header = header.PadRight(64 - 10 - 1) + "\n";
            stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
            stream.Write(BitConverter.GetBytes((ushort)header.Length));
            stream.Write(Encoding.ASCII.GetBytes(header));
            stream.Write(bytes);
        }
    }

    /// <summary>A 4-node graph in CSR: edges 0–1, 1–2, 2–3 (one direction stored), 3 features, the given labels.</summary>
    public static Dictionary<string, Array> Small(long[] labels, int[]? adjIndices = null, int featureRows = 4) => new()
    {
        ["adj_data"] = new float[] { 1, 1, 1 },
        ["adj_indices"] = adjIndices ?? [1, 2, 3],
        ["adj_indptr"] = new[] { 0, 1, 2, 3, 3 },
        ["adj_shape"] = new long[] { 4, 4 },
        ["attr_data"] = Enumerable.Repeat(1f, featureRows).ToArray(),
        ["attr_indices"] = Enumerable.Range(0, featureRows).Select(i => i % 3).ToArray(),
        ["attr_indptr"] = Enumerable.Range(0, featureRows + 1).ToArray(),
        ["attr_shape"] = new long[] { featureRows, 3 },
        ["labels"] = labels,
    };
}

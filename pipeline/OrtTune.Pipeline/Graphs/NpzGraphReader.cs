using System.IO.Compression;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Data;

namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// Reads the sparse-graph .npz format (a zip of .npy arrays, as written by numpy.savez): the adjacency as CSR
/// (<c>adj_data/adj_indices/adj_indptr/adj_shape</c>, or the <c>adj_matrix.*</c> spelling), node features as CSR
/// (<c>attr_*</c>) or one dense <c>attr_matrix</c>, and <c>labels</c>. Other entries, including pickled Python objects,
/// are not read. The adjacency is made undirected without self-loops, as the protocol's data loader does; features
/// are densified (the layers multiply them densely).
/// </summary>
public static class NpzGraphReader
{
    public static GraphDataset Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: graph file not found.", path);
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.ToDictionary(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal) ? e.FullName[..^4] : e.FullName, StringComparer.Ordinal);

        NamedTensor Array(string key)
        {
            var entry = entries[key];
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return NpyFile.Parse(buffer.ToArray(), $"{path}:{entry.FullName}", key);
        }
        string? Key(params string[] names) => names.FirstOrDefault(entries.ContainsKey);
        string Require(string what, params string[] names) => Key(names)
            ?? throw new InvalidDataException($"{path} has no {what} (looked for {string.Join(", ", names)}; it has {string.Join(", ", entries.Keys)}).");

        var labels = ToInts(Array(Require("labels", "labels")), path);
        var adjacency = ReadCsr(Array, Require, "adjacency", path, "adj_", "adj_matrix.");
        int n = labels.Length;
        if (adjacency.Rows != n || adjacency.Cols != n)
            throw new InvalidDataException($"{path}: the adjacency is {adjacency.Rows} × {adjacency.Cols} but there are {n} labels (one per node).");

        float[] features;
        int featureCount;
        if (Key("attr_matrix") is { } dense)
        {
            var t = Array(dense);
            if (t.Dims.Count != 2) throw new InvalidDataException($"{path}: the dense feature matrix must be 2-d, got [{string.Join(", ", t.Dims)}].");
            if (t.Dims[0] != n)
                throw new InvalidDataException($"{path}: {t.Dims[0]} feature rows but {n} labels; every node needs one row of features and one label.");
            featureCount = (int)t.Dims[1];
            features = ToFloats(t, path);
        }
        else
        {
            var attributes = ReadCsr(Array, Require, "feature matrix", path, "attr_", "attr_matrix.");
            if (attributes.Rows != n)
                throw new InvalidDataException($"{path}: {attributes.Rows} feature rows but {n} labels; every node needs one row of features and one label.");
            featureCount = attributes.Cols;
            features = new float[(long)n * featureCount];
            for (int i = 0; i < n; i++)
                for (int k = attributes.IndPtr[i]; k < attributes.IndPtr[i + 1]; k++)
                    features[(long)i * featureCount + attributes.Indices[k]] += attributes.Data[k];
        }

        int classes = labels.Length == 0 ? 0 : labels.Max() + 1;
        for (int i = 0; i < n; i++)
            if (labels[i] < 0)
                throw new InvalidDataException($"{path}: node {i} has label {labels[i]}; every node needs a class in [0, classes).");

        var (source, target) = UndirectedEdges(adjacency, n);
        return new GraphDataset
        {
            NodeCount = n, FeatureCount = featureCount, ClassCount = classes, Features = features, Labels = labels,
            EdgeSource = source, EdgeTarget = target, ClassNames = Enumerable.Range(0, classes).Select(c => c.ToString()).ToList(),
        };
    }

    private sealed record Csr(int Rows, int Cols, float[] Data, int[] Indices, int[] IndPtr);

    private static Csr ReadCsr(Func<string, NamedTensor> array, Func<string, string[], string> require, string what, string path, params string[] prefixes)
    {
        string Part(string part) => require($"{what} {part}", prefixes.Select(p => p + part).ToArray());
        var shape = ToInts(array(Part("shape")), path);
        var indices = ToInts(array(Part("indices")), path);
        var indptr = ToInts(array(Part("indptr")), path);
        var data = ToFloats(array(Part("data")), path);
        if (shape.Length != 2) throw new InvalidDataException($"{path}: the {what} shape must have 2 entries, got {shape.Length}.");
        int rows = shape[0], cols = shape[1];
        if (indptr.Length != rows + 1 || indptr[0] != 0 || indptr[^1] != indices.Length || data.Length != indices.Length)
            throw new InvalidDataException(
                $"{path}: the {what} CSR arrays disagree: {rows} rows need {rows + 1} row pointers from 0 to the {indices.Length} column indices, " +
                $"got {indptr.Length} pointers ending at {(indptr.Length > 0 ? indptr[^1] : 0)} and {data.Length} values.");
        for (int i = 0; i < rows; i++)
        {
            if (indptr[i + 1] < indptr[i]) throw new InvalidDataException($"{path}: the {what} row pointers decrease at row {i}.");
            for (int k = indptr[i]; k < indptr[i + 1]; k++)
                if (indices[k] < 0 || indices[k] >= cols)
                    throw new InvalidDataException(
                        $"{path}: {what} entry ({i}, {indices[k]}) is out of range: the matrix has {cols} columns (indices 0..{cols - 1}).");
        }
        return new Csr(rows, cols, data, indices, indptr);
    }

    /// <summary>Every stored (i, j) with a non-zero value, in both directions, once each; self-loops dropped (GCN adds its own).</summary>
    private static (int[] Source, int[] Target) UndirectedEdges(Csr a, int n)
    {
        var edges = new HashSet<long>();
        for (int i = 0; i < n; i++)
            for (int k = a.IndPtr[i]; k < a.IndPtr[i + 1]; k++)
            {
                int j = a.Indices[k];
                if (i == j || a.Data[k] == 0) continue;
                edges.Add(((long)i << 32) | (uint)j);
                edges.Add(((long)j << 32) | (uint)i);
            }
        var sorted = edges.Order().ToArray();
        return (sorted.Select(e => (int)(e >> 32)).ToArray(), sorted.Select(e => (int)(e & 0xffffffff)).ToArray());
    }

    private static int[] ToInts(NamedTensor t, string path) => t.ElementType switch
    {
        TensorElementType.Int64 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray().Select(v => checked((int)v)).ToArray(),
        TensorElementType.Int32 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray(),
        TensorElementType.Int8 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(t.RawData.Span).ToArray().Select(v => (int)v).ToArray(),
        TensorElementType.UInt8 => t.RawData.Span.ToArray().Select(v => (int)v).ToArray(),
        _ => throw new InvalidDataException($"{path}: '{t.Name}' must hold integers, not {t.ElementType}."),
    };

    private static float[] ToFloats(NamedTensor t, string path) => t.ElementType switch
    {
        TensorElementType.Float => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray(),
        TensorElementType.Double => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(t.RawData.Span).ToArray().Select(v => (float)v).ToArray(),
        _ => ToInts(t, path).Select(v => (float)v).ToArray(),
    };
}

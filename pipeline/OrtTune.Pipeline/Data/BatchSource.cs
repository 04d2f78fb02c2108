using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Data;

/// <summary>Batches for the minimal `orttune train`: from a folder of .npy files, or generated.</summary>
public static class BatchSource
{
    /// <summary>
    /// A folder with one NAME.npy per artifacts input (e.g. input_ids.npy, labels.npy), each holding N rows of the
    /// input's shape without its batch axis, or whole batches: rows are cut into batches of the artifacts' size.
    /// </summary>
    public static List<List<NamedTensor>> FromNpyFolder(string folder, ArtifactManifest manifest)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Data folder '{folder}' does not exist.");
        var perInput = new Dictionary<string, NamedTensor>();
        foreach (var input in manifest.Inputs)
        {
            var path = Path.Combine(folder, input.Name + ".npy");
            if (!File.Exists(path))
                throw new InvalidDataException($"'{folder}' has no {input.Name}.npy; the artifacts need: {string.Join(", ", manifest.Inputs.Select(i => i.Name + ".npy"))}.");
            var t = NpyFile.Read(path, input.Name);
            if (t.ElementType != ElementTypes.FromName(input.ElemType))
                throw new InvalidDataException($"{path} holds {ElementTypes.ToName(t.ElementType)}; input '{input.Name}' needs {input.ElemType}.");
            var rowShape = input.Shape.Skip(1).ToArray();
            if (!t.GetDims().Skip(1).SequenceEqual(rowShape))
                throw new InvalidDataException($"{path} has rows of shape [{string.Join(",", t.GetDims().Skip(1))}]; input '{input.Name}' needs [{string.Join(",", rowShape)}].");
            perInput[input.Name] = t;
        }
        long rows = perInput.Values.First().Dims[0];
        if (perInput.Values.Any(t => t.Dims[0] != rows))
            throw new InvalidDataException($"The .npy files in '{folder}' hold different numbers of rows: {string.Join(", ", perInput.Select(p => $"{p.Key} {p.Value.Dims[0]}"))}.");
        long batch = manifest.Inputs[0].Shape[0];
        if (rows < batch) throw new InvalidDataException($"'{folder}' holds {rows} rows; one batch needs {batch}.");
        var batches = new List<List<NamedTensor>>();
        for (long start = 0; start + batch <= rows; start += batch)
            batches.Add(manifest.Inputs.Select(i => Rows(perInput[i.Name], start, batch, i.Shape)).ToList());
        return batches;
    }

    /// <summary>
    /// Random batches for smoke tests and timing: integer inputs uniform in [0, <paramref name="vocabulary"/>)
    /// (mask-like inputs, named *mask*, all ones; token-type inputs zeros), labels within the prediction's classes.
    /// </summary>
    public static List<List<NamedTensor>> Synthetic(ArtifactManifest manifest, int count, long vocabulary, long classes, int seed)
    {
        var random = new Random(seed);
        var batches = new List<List<NamedTensor>>();
        for (int b = 0; b < count; b++)
        {
            var batch = new List<NamedTensor>();
            foreach (var input in manifest.Inputs)
            {
                long n = input.Shape.Aggregate(1L, (x, y) => x * y);
                var type = ElementTypes.FromName(input.ElemType);
                if (type != TensorElementType.Int64)
                {
                    batch.Add(NamedTensor.FromValues<float>(input.Name, input.Shape, Enumerable.Range(0, (int)n).Select(_ => (float)random.NextDouble()).ToArray()));
                    continue;
                }
                bool isLabels = input.Name == "labels";
                bool classification = manifest.LossKind.Contains("Classification", StringComparison.Ordinal);
                long limit = isLabels && classification ? classes : vocabulary;
                long[] values = input.Name.Contains("mask", StringComparison.OrdinalIgnoreCase) ? Enumerable.Repeat(1L, (int)n).ToArray()
                    : input.Name.Contains("type", StringComparison.OrdinalIgnoreCase) ? new long[n]
                    : Enumerable.Range(0, (int)n).Select(_ => random.NextInt64(limit)).ToArray();
                batch.Add(NamedTensor.FromValues<long>(input.Name, input.Shape, values));
            }
            // A causal LM learns to continue its own input: labels are the ids.
            if (!manifest.LossKind.Contains("Classification", StringComparison.Ordinal) && batch.FindIndex(t => t.Name == "labels") is int li and >= 0
                && batch.Find(t => t.Name == "input_ids") is { } ids)
                batch[li] = ids.WithName("labels");
            batches.Add(batch);
        }
        return batches;
    }

    private static NamedTensor Rows(NamedTensor t, long start, long count, long[] shape)
    {
        long rowBytes = t.RawData.Length / t.Dims[0];
        var slice = t.RawData.Slice((int)(start * rowBytes), (int)(count * rowBytes));
        return NamedTensor.FromRawData(t.Name, t.ElementType, shape, slice);
    }
}

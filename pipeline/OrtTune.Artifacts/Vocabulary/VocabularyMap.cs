using System.Runtime.InteropServices;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Artifacts.Vocabulary;

/// <summary>
/// PEMA's id map, built from the manifest's <see cref="VocabularySpec"/>: turns original token ids into compact ids
/// for the training graphs, and scatters a trained compact embedding back into the full matrix for export.
/// </summary>
public sealed class VocabularyMap
{
    private readonly int[] _compactOf;

    public VocabularyMap(VocabularySpec spec)
    {
        Spec = spec;
        if (spec.FullSize < 1 || spec.FullSize > int.MaxValue)
            throw new ArtifactFormatException($"Vocabulary map: full size {spec.FullSize} is out of range.");
        _compactOf = new int[spec.FullSize];
        Array.Fill(_compactOf, -1);
        long previous = -1;
        for (int i = 0; i < spec.UsedIds.Length; i++)
        {
            long id = spec.UsedIds[i];
            if (id <= previous || id >= spec.FullSize)
                throw new ArtifactFormatException(
                    $"Vocabulary map: used ids must be ascending and below {spec.FullSize}; entry {i} is {id} after {previous}.");
            _compactOf[id] = i;
            previous = id;
        }
    }

    public VocabularySpec Spec { get; }

    /// <summary>Rows the compact embedding has.</summary>
    public int UsedCount => Spec.UsedIds.Length;

    /// <summary>The compact id of <paramref name="id"/>, or -1 when the artifacts' vocabulary does not hold it.</summary>
    public int CompactOf(long id) => id >= 0 && id < _compactOf.Length ? _compactOf[id] : -1;

    /// <summary>
    /// <paramref name="ids"/> (int64 token ids) with every id replaced by its compact id. An id the map does not hold
    /// is an error naming it (with <paramref name="describe"/>'s text for it, e.g. the token's string) and its position.
    /// </summary>
    public NamedTensor Remap(NamedTensor ids, Func<long, string>? describe = null)
    {
        if (ids.ElementType != TensorElementType.Int64)
            throw new InvalidDataException($"'{ids.Name}' must hold int64 token ids to be remapped; it holds {ElementTypes.ToName(ids.ElementType)}.");
        var source = MemoryMarshal.Cast<byte, long>(ids.RawData.Span);
        var mapped = new long[source.Length];
        long rowLength = ids.Dims.Count > 1 ? ids.Dims.Skip(1).Aggregate(1L, (a, b) => a * b) : source.Length;
        for (int i = 0; i < source.Length; i++)
        {
            int compact = CompactOf(source[i]);
            if (compact < 0)
            {
                string what = describe is null ? "" : $" ({describe(source[i])})";
                throw new InvalidDataException(
                    $"Token id {source[i]}{what} at row {i / rowLength}, position {i % rowLength} of '{ids.Name}' is outside the vocabulary these " +
                    $"artifacts were prepared with (PEMA keeps {UsedCount:N0} of {Spec.FullSize:N0} ids). Prepare again with --vocab-from " +
                    "listing every data file you train or evaluate on.");
            }
            mapped[i] = compact;
        }
        return NamedTensor.FromValues(ids.Name, ids.GetDims(), mapped);
    }

    /// <summary>
    /// The full-vocabulary matrix: <paramref name="original"/> ([FullSize, Dim], the pretrained rows) with the rows of
    /// <paramref name="compact"/> ([UsedCount, Dim], trained) written back at their original ids. Unused rows are untouched.
    /// </summary>
    public NamedTensor Expand(NamedTensor compact, NamedTensor original)
    {
        long dim = Spec.Dim;
        if (!compact.Dims.SequenceEqual([UsedCount, dim]))
            throw new ArtifactFormatException($"'{compact.Name}' is [{string.Join(",", compact.Dims)}]; the vocabulary map expects [{UsedCount},{dim}].");
        if (!original.Dims.SequenceEqual([Spec.FullSize, dim]))
            throw new ArtifactFormatException($"The original embedding is [{string.Join(",", original.Dims)}]; the vocabulary map expects [{Spec.FullSize},{dim}].");
        if (compact.ElementType != original.ElementType)
            throw new ArtifactFormatException($"'{compact.Name}' is {ElementTypes.ToName(compact.ElementType)} but the original embedding is {ElementTypes.ToName(original.ElementType)}.");
        int rowBytes = checked((int)(compact.RawData.Length / UsedCount));
        var full = original.RawData.ToArray();
        var rows = compact.RawData.Span;
        for (int i = 0; i < UsedCount; i++)
            rows.Slice(i * rowBytes, rowBytes).CopyTo(full.AsSpan(checked((int)(Spec.UsedIds[i] * rowBytes)), rowBytes));
        return NamedTensor.FromRawData(compact.Name, compact.ElementType, original.GetDims(), full);
    }
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Data;

namespace OrtTune.Pipeline.TokenSelection;

/// <summary>
/// Adds TokenTune's selection inputs to every batch of an <see cref="IBatchSource"/>: a fresh subset per example
/// per step, drawn by <see cref="TokenSelectionRule"/> within the example's unpadded length. The subset depends only
/// on (seed, epoch, batch index, example), so a resumed run sees exactly the selections an uninterrupted run sees.
/// Unused slots hold position 0 with mask 0.
/// </summary>
public sealed class TokenSelectionSource : IBatchSource
{
    private readonly IBatchSource _inner;
    private readonly TokenSelectionOptions _options;

    public TokenSelectionSource(IBatchSource inner, TokenSelectionOptions options)
    {
        _inner = inner;
        _options = options.Validate();
    }

    public long? BatchesPerEpoch => _inner.BatchesPerEpoch;

    public IEnumerable<Batch> Epoch(int epoch)
    {
        int index = 0;
        foreach (var batch in _inner.Epoch(epoch))
            yield return Select(batch, epoch, index++);
    }

    /// <summary>The batch with the selection inputs added (replacing any the batch already has).</summary>
    public Batch Select(Batch batch, int epoch, int index)
    {
        var ids = batch.Inputs.FirstOrDefault(t => t.Name == _options.IdsInput)
                  ?? throw new InvalidDataException($"Token selection needs the input '{_options.IdsInput}'; the batch has {string.Join(", ", batch.Inputs.Select(t => t.Name))}.");
        if (ids.Dims.Count != 2) throw new InvalidDataException($"'{ids.Name}' must be [batch, sequence]; it is [{string.Join(", ", ids.Dims)}].");
        int rows = (int)ids.Dims[0], sequence = (int)ids.Dims[1], slots = _options.Slots;
        var random = new Random(Mix(_options.Seed, epoch, index));
        var indices = new long[rows * slots];
        var mask = new long[rows * slots];
        var lengths = UnpaddedLengths(batch, rows, sequence);
        for (int b = 0; b < rows; b++)
        {
            int length = lengths[b];
            var chosen = TokenSelectionRule.Sample(length, _options, random);
            if (chosen.Length > slots)
                throw new InvalidDataException(
                    $"Token selection picked {chosen.Length} positions of a {length}-token example but the artifacts hold {slots} slots; prepare them with the same --token-select.");
            for (int j = 0; j < chosen.Length; j++) (indices[b * slots + j], mask[b * slots + j]) = (chosen[j], 1);
        }
        var inputs = batch.Inputs.Where(t => t.Name != _options.IndicesName && t.Name != _options.MaskName).ToList();
        inputs.Add(NamedTensor.FromValues<long>(_options.IndicesName, [rows, slots], indices));
        inputs.Add(NamedTensor.FromValues<long>(_options.MaskName, [rows, slots], mask));
        return batch with { Inputs = inputs };
    }

    /// <summary>Real tokens of each example: up to its last attention-mask one, else (decoder) its last label, else all.</summary>
    private int[] UnpaddedLengths(Batch batch, int rows, int sequence)
    {
        if (batch.Inputs.FirstOrDefault(t => t.Name == _options.MaskInput) is { } mask)
            return LastMatches(mask, rows, sequence, v => v != 0);
        if (_options.Decoder && batch.Inputs.FirstOrDefault(t => t.Name == _options.LabelsInput) is { Dims.Count: 2 } labels)
            return LastMatches(labels, rows, sequence, v => v != _options.IgnoreIndex);
        return Enumerable.Repeat(sequence, rows).ToArray();
    }

    /// <summary>Per row, one past the last position whose value is <paramref name="real"/> (the tensor is read once per batch).</summary>
    private static int[] LastMatches(NamedTensor t, int rows, int sequence, Func<long, bool> real)
    {
        var values = t.ElementType == TensorElementType.Int32 ? t.ToArray<int>().Select(v => (long)v).ToArray() : t.ToArray<long>();
        var lengths = new int[rows];
        for (int row = 0; row < rows; row++)
            for (int i = sequence - 1; i >= 0; i--)
                if (real(values[row * sequence + i]))
                {
                    lengths[row] = i + 1;
                    break;
                }
        return lengths;
    }

    /// <summary>A seed from (seed, epoch, batch) by SplitMix64 (HashCode is randomised per process, so it cannot be used).</summary>
    private static int Mix(int seed, int epoch, int index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)index * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }
}

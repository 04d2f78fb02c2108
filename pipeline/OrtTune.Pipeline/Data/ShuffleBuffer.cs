using System.Runtime.InteropServices;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Streaming shuffle with bounded memory: the first <c>capacity</c> items fill a buffer; each further item replaces
/// a random buffer slot, whose item is emitted; the rest leave in random order at the end. A sequence no longer than
/// the capacity is shuffled uniformly; in a longer one an item is emitted at most <c>capacity</c> places before its
/// position in the source. The order depends only on the source order and <paramref name="random"/>'s seed.
/// </summary>
public static class ShuffleBuffer
{
    public static IEnumerable<T> Shuffle<T>(IEnumerable<T> source, int capacity, Random random)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var buffer = new List<T>(Math.Min(capacity, 4096));
        foreach (var item in source)
        {
            if (buffer.Count < capacity)
            {
                buffer.Add(item);
                continue;
            }
            int slot = random.Next(capacity);
            yield return buffer[slot];
            buffer[slot] = item;
        }
        random.Shuffle(CollectionsMarshal.AsSpan(buffer));
        foreach (var item in buffer) yield return item;
    }
}

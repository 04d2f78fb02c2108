using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Numerics;

namespace OrtTune.Pipeline.Data;

/// <summary>One micro-batch: the model inputs in the artifacts' input order, and what it holds (for tokens/s).</summary>
/// <param name="Inputs">Tensors named after the artifacts' inputs, batch axis first.</param>
/// <param name="Examples">Real examples in the batch (padding rows excluded).</param>
/// <param name="Tokens">Real (non-padding) tokens in the batch.</param>
public sealed record Batch(IReadOnlyList<NamedTensor> Inputs, int Examples, long Tokens);

/// <summary>
/// A dataset cut into fixed-shape batches. The order of an epoch depends only on the source's seed and the epoch
/// number, so a resumed run can skip to where it stopped and see exactly the batches an uninterrupted run sees.
/// Sources stream: an epoch is read lazily, so data larger than memory works.
/// </summary>
public interface IBatchSource
{
    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based), the same sequence every time it is asked for.</summary>
    IEnumerable<Batch> Epoch(int epoch);

    /// <summary>Batches in one epoch when known without reading the data; null otherwise.</summary>
    long? BatchesPerEpoch { get; }
}

/// <summary>Batches already in memory (the .npy folder and synthetic sources), optionally shuffled per epoch.</summary>
public sealed class InMemoryBatchSource(IReadOnlyList<IReadOnlyList<NamedTensor>> batches, int? shuffleSeed = null) : IBatchSource
{
    public long? BatchesPerEpoch => batches.Count;

    public IEnumerable<Batch> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, batches.Count).ToArray();
        if (shuffleSeed is { } seed) new Random(Scores.EpochSeed(seed, epoch)).Shuffle(order);
        foreach (int i in order)
        {
            var inputs = batches[i];
            yield return new Batch(inputs, (int)inputs[0].Dims[0], inputs[0].Dims.Aggregate(1L, (a, b) => a * b));
        }
    }
}

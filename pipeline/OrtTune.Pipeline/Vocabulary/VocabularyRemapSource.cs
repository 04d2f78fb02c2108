using OrtTune.Artifacts.Manifest;
using OrtTune.Artifacts.Vocabulary;
using OrtTune.Pipeline.Data;

namespace OrtTune.Pipeline.Vocabulary;

/// <summary>
/// Feeds PEMA artifacts: every batch's token ids (the manifest's vocabulary input) become compact ids. An id the
/// artifacts were not prepared for stops the run with an error naming it, before any step runs on it.
/// </summary>
public sealed class VocabularyRemapSource(IBatchSource inner, VocabularyMap map, Func<long, string>? describeToken = null) : IBatchSource
{
    /// <summary>Wraps <paramref name="source"/> when <paramref name="manifest"/> uses PEMA; returns it unchanged otherwise.</summary>
    public static IBatchSource For(IBatchSource source, ArtifactManifest manifest, Func<long, string>? describeToken = null) =>
        manifest.Vocabulary is { } spec ? new VocabularyRemapSource(source, new VocabularyMap(spec), describeToken) : source;

    public long? BatchesPerEpoch => inner.BatchesPerEpoch;

    public IEnumerable<Batch> Epoch(int epoch)
    {
        string input = map.Spec.Input;
        foreach (var batch in inner.Epoch(epoch))
        {
            if (!batch.Inputs.Any(t => t.Name == input))
                throw new InvalidDataException($"PEMA artifacts remap '{input}', but the batch has no such input ({string.Join(", ", batch.Inputs.Select(t => t.Name))}).");
            var inputs = batch.Inputs.Select(t => t.Name == input ? map.Remap(t, describeToken) : t).ToList();
            yield return batch with { Inputs = inputs };
        }
    }
}

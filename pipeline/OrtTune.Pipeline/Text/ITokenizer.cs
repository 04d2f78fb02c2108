using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Text;

/// <summary>
/// Text ⇄ token ids for the data pipeline. <see cref="Encode"/> never adds special tokens: where BOS, CLS, SEP and EOS
/// go depends on the task, so the dataset places them (from <see cref="Special"/>).
/// </summary>
public interface ITokenizer
{
    /// <summary>The settings the tokenizer was opened from (what the manifest records).</summary>
    TokenizerSettings Settings { get; }

    /// <summary>Ids lie in [0, VocabularySize).</summary>
    int VocabularySize { get; }

    /// <summary>The special tokens' ids, after defaults and the settings' overrides.</summary>
    SpecialTokenIds Special { get; }

    /// <summary>The ids of <paramref name="text"/>, without special tokens.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>The text of <paramref name="ids"/>; Decode(Encode(s)) == s for text the tokenizer represents losslessly.</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>The id of one vocabulary entry, or null when the vocabulary has no such token.</summary>
    int? TokenToId(string token);
}

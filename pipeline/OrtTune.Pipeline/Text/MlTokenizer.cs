using OrtTune.Artifacts.Manifest;
using Microsoft.ML.Tokenizers;

namespace OrtTune.Pipeline.Text;

/// <summary>An <see cref="ITokenizer"/> over a Microsoft.ML.Tokenizers tokenizer (GPT-2 BPE, WordPiece, SentencePiece, Tiktoken).</summary>
internal sealed class MlTokenizer : ITokenizer
{
    private readonly Tokenizer _inner;
    private readonly Func<string, IReadOnlyList<int>> _encode;
    private readonly Func<string, int?> _lookup;

    /// <param name="encode">Encodes text without special tokens (BertTokenizer adds [CLS]/[SEP] unless told not to).</param>
    /// <param name="lookup">Vocabulary lookup of one token string.</param>
    /// <param name="defaults">The kind's special tokens; the settings' tokens override them.</param>
    public MlTokenizer(TokenizerSettings settings, Tokenizer inner, Func<string, IReadOnlyList<int>> encode, int vocabularySize, Func<string, int?> lookup, SpecialTokenIds defaults)
    {
        Settings = settings;
        _inner = inner;
        _encode = encode;
        _lookup = lookup;
        VocabularySize = vocabularySize;
        int? Resolve(string? token, int? fallback) => token switch
        {
            null => fallback,
            "" => null,
            ['#', .. var digits] when int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id)
                && id < vocabularySize => id,
            _ => lookup(token) ?? throw new InvalidDataException(
                $"Special token '{token}' is not in the {settings.Kind} vocabulary ({vocabularySize} tokens); give a token string of the vocabulary or #ID."),
        };
        Special = new SpecialTokenIds(
            Bos: Resolve(settings.Bos, defaults.Bos), Eos: Resolve(settings.Eos, defaults.Eos),
            Pad: Resolve(settings.Pad, defaults.Pad) ?? defaults.Pad,
            Cls: Resolve(settings.Cls, defaults.Cls), Sep: Resolve(settings.Sep, defaults.Sep),
            AddBos: settings.AddBos ?? defaults.AddBos, AddEos: settings.AddEos ?? defaults.AddEos);
    }

    public TokenizerSettings Settings { get; }
    public int VocabularySize { get; }
    public SpecialTokenIds Special { get; }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _encode(text);
    }

    public string Decode(IEnumerable<int> ids) => _inner.Decode(ids);

    public int? TokenToId(string token) => _lookup(token);
}

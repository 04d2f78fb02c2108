using Microsoft.ML.Tokenizers;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Text;

/// <summary>Opens the tokenizer that <see cref="TokenizerSettings"/> (e.g. a manifest's) describes.</summary>
public static class TokenizerFactory
{
    /// <summary>
    /// Opens <paramref name="settings"/>' tokenizer. Relative file paths are resolved against
    /// <paramref name="baseDirectory"/> (default: the current directory).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file the kind needs is missing.</exception>
    /// <exception cref="InvalidDataException">An unknown kind, the wrong number of files, or a special token not in the vocabulary.</exception>
    public static ITokenizer Open(TokenizerSettings settings, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string RequireFile(int index, string what)
        {
            if (settings.Files.Count <= index)
                throw new InvalidDataException($"A {settings.Kind} tokenizer needs {what} (as file {index + 1} of KIND:PATH[,PATH]); the settings list {settings.Files.Count} file(s).");
            var path = Path.GetFullPath(settings.Files[index], baseDirectory ?? Directory.GetCurrentDirectory());
            if (!File.Exists(path)) throw new FileNotFoundException($"The {settings.Kind} tokenizer's {what} '{path}' does not exist.", path);
            return path;
        }

        switch (settings.Kind)
        {
            case TokenizerSettings.Llama2c:
                return Llama2cTokenizer.Load(RequireFile(0, "tokenizer.bin file"), settings);

            case TokenizerSettings.Gpt2:
            {
                using var vocab = File.OpenRead(RequireFile(0, "encoder.json (vocabulary)"));
                using var merges = File.OpenRead(RequireFile(1, "vocab.bpe (merges)"));
                var bpe = CodeGenTokenizer.Create(vocab, merges, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
                int? Lookup(string t) => bpe.Vocabulary.TryGetValue(t, out int id) ? id : null;
                int? eos = Lookup("<|endoftext|>");
                int size = bpe.Vocabulary.Values.DefaultIfEmpty(-1).Max() + 1;
                return new MlTokenizer(settings, bpe, t => bpe.EncodeToIds(t), size, Lookup,
                    new SpecialTokenIds(Bos: eos, Eos: eos, Pad: eos ?? 0, Cls: null, Sep: null, AddBos: false, AddEos: false));
            }

            case TokenizerSettings.WordPiece:
            {
                var path = RequireFile(0, "vocab.txt");
                // The vocabulary file is read once more for lookups and size: BertTokenizer does not expose it.
                var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
                int line = 0;
                foreach (var token in File.ReadLines(path)) vocabulary.TryAdd(token, line++);
                var bert = BertTokenizer.Create(path, new BertOptions { LowerCaseBeforeTokenization = settings.LowerCase ?? true });
                return new MlTokenizer(settings, bert, t => bert.EncodeToIds(t, addSpecialTokens: false), line, t => vocabulary.TryGetValue(t, out int id) ? id : null,
                    new SpecialTokenIds(Bos: null, Eos: null, Pad: bert.PaddingTokenId, Cls: bert.ClassificationTokenId, Sep: bert.SeparatorTokenId,
                        AddBos: false, AddEos: false));
            }

            case TokenizerSettings.SentencePiece:
            {
                using var model = File.OpenRead(RequireFile(0, "tokenizer.model"));
                var sp = LlamaTokenizer.Create(model, addBeginOfSentence: false, addEndOfSentence: false);
                int size = sp.Vocabulary.Values.DefaultIfEmpty(-1).Max() + 1;
                return new MlTokenizer(settings, sp, t => sp.EncodeToIds(t, addBeginningOfSentence: false, addEndOfSentence: false), size, t => sp.Vocabulary.TryGetValue(t, out int id) ? id : null,
                    new SpecialTokenIds(Bos: sp.BeginningOfSentenceId, Eos: sp.EndOfSentenceId, Pad: sp.EndOfSentenceId, Cls: null, Sep: null,
                        AddBos: true, AddEos: false));
            }

            case TokenizerSettings.Tiktoken:
            {
                if (settings.Files.Count == 0)
                    throw new InvalidDataException("A tiktoken tokenizer needs an encoding or model name (tiktoken:cl100k_base) or a .tiktoken file (tiktoken:FILE[,MODEL]).");
                var first = settings.Files[0];
                var path = Path.GetFullPath(first, baseDirectory ?? Directory.GetCurrentDirectory());
                TiktokenTokenizer tiktoken;
                int ranks = 0;
                if (File.Exists(path))
                {
                    ranks = File.ReadLines(path).Count(l => l.Length > 0);
                    // The ranks file has no pre-tokenisation regex or special tokens: those come from the model name.
                    using var stream = File.OpenRead(path);
                    tiktoken = TiktokenTokenizer.CreateForModel(settings.Files.Count > 1 ? settings.Files[1] : "gpt-4", stream);
                }
                else if (first.Contains('/') || first.Contains('\\') || first.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase))
                    throw new FileNotFoundException($"The tiktoken ranks file '{path}' does not exist.", path);
                else
                {
                    try
                    {
                        tiktoken = first.Contains("_base", StringComparison.Ordinal) ? TiktokenTokenizer.CreateForEncoding(first) : TiktokenTokenizer.CreateForModel(first);
                    }
                    catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or FileNotFoundException)
                    {
                        throw new InvalidDataException(
                            $"Cannot open the tiktoken encoding '{first}': {e.Message} (named encodings need the matching Microsoft.ML.Tokenizers.Data.* package).", e);
                    }
                }
                var specials = tiktoken.SpecialTokens ?? new Dictionary<string, int>();
                int? Lookup(string t)
                {
                    if (specials.TryGetValue(t, out int s)) return s;
                    var ids = tiktoken.EncodeToIds(t);
                    return ids.Count == 1 && tiktoken.Decode(ids) == t ? ids[0] : null;
                }
                // Tiktoken does not expose its ranks; the special tokens follow them (cl100k_base: ranks 0–100255, specials to 100276).
                int size = Math.Max(ranks, specials.Values.DefaultIfEmpty(-1).Max() + 1);
                int? eos = specials.TryGetValue("<|endoftext|>", out int e2) ? e2 : null;
                return new MlTokenizer(settings, tiktoken, t => tiktoken.EncodeToIds(t), size, Lookup,
                    new SpecialTokenIds(Bos: null, Eos: eos, Pad: eos ?? 0, Cls: null, Sep: null, AddBos: false, AddEos: false));
            }

            default:
                throw new InvalidDataException($"Unknown tokenizer kind '{settings.Kind}'; known kinds: {string.Join(", ", TokenizerSettings.Kinds)}.");
        }
    }
}

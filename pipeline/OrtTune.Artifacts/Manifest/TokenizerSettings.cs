namespace OrtTune.Artifacts.Manifest;

/// <summary>
/// The tokenizer the artifacts are trained with, recorded in manifest.json so that training, evaluation and generation
/// all encode text the same way. Files are referenced by path (absolute when written by `orttune prepare`), never
/// copied into the artifacts. Special tokens are token strings of the vocabulary or "#ID" (an id); null means the kind's
/// default and "" means none.
/// </summary>
public sealed record TokenizerSettings
{
    /// <summary>GPT-2 byte-level BPE: files encoder.json (vocabulary) and vocab.bpe (merges).</summary>
    public const string Gpt2 = "gpt2";
    /// <summary>BERT WordPiece: file vocab.txt (one token per line).</summary>
    public const string WordPiece = "wordpiece";
    /// <summary>SentencePiece (Llama and others): file tokenizer.model.</summary>
    public const string SentencePiece = "sentencepiece";
    /// <summary>Tiktoken: an encoding or model name (cl100k_base, gpt-4, ...), or a .tiktoken ranks file [and a model name for its regex].</summary>
    public const string Tiktoken = "tiktoken";
    /// <summary>llama2.c's tokenizer.bin format (e.g. tok512.bin of stories260K).</summary>
    public const string Llama2c = "llama2c";

    public static IReadOnlyList<string> Kinds { get; } = [Gpt2, WordPiece, SentencePiece, Tiktoken, Llama2c];

    /// <summary>One of <see cref="Kinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The tokenizer's files (or names, for Tiktoken), in the order the kind documents.</summary>
    public List<string> Files { get; init; } = [];

    /// <summary>Beginning-of-sequence token. Default: the kind's (&lt;s&gt; for SentencePiece and llama2.c, none otherwise).</summary>
    public string? Bos { get; init; }
    /// <summary>End-of-sequence token. Default: the kind's (&lt;/s&gt;, &lt;|endoftext|&gt;; none for WordPiece).</summary>
    public string? Eos { get; init; }
    /// <summary>Padding token. Default: [PAD] for WordPiece, otherwise the end-of-sequence token (padding is masked out of the loss).</summary>
    public string? Pad { get; init; }
    /// <summary>Classification token put first. Default: [CLS] for WordPiece, none otherwise.</summary>
    public string? Cls { get; init; }
    /// <summary>Separator after each segment. Default: [SEP] for WordPiece, none otherwise.</summary>
    public string? Sep { get; init; }

    /// <summary>Put the BOS token first. Default (null): true for SentencePiece and llama2.c, false otherwise.</summary>
    public bool? AddBos { get; init; }
    /// <summary>Put the EOS token last. Default (null): false.</summary>
    public bool? AddEos { get; init; }
    /// <summary>WordPiece only: lower-case before tokenizing (uncased models). Default (null): true.</summary>
    public bool? LowerCase { get; init; }

    /// <summary>
    /// Parses the command-line form KIND:PATH[,PATH...] (e.g. gpt2:encoder.json,vocab.bpe, llama2c:tok512.bin,
    /// tiktoken:cl100k_base). Existing relative paths are made absolute so the manifest works from any directory.
    /// </summary>
    /// <exception cref="FormatException">No kind, an unknown kind, or no file.</exception>
    public static TokenizerSettings Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':');
        if (colon <= 0 || colon == spec.Length - 1)
            throw new FormatException($"A tokenizer is given as KIND:PATH[,PATH] (kinds: {string.Join(", ", Kinds)}), got '{spec}'.");
        var kind = spec[..colon].Trim().ToLowerInvariant();
        if (!Kinds.Contains(kind))
            throw new FormatException($"Unknown tokenizer kind '{kind}' in '{spec}'; known kinds: {string.Join(", ", Kinds)}.");
        var files = spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => File.Exists(f) ? Path.GetFullPath(f) : f).ToList();
        return new TokenizerSettings { Kind = kind, Files = files };
    }

    public override string ToString() => $"{Kind}:{string.Join(",", Files)}";
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Text;

/// <summary>
/// The tokenizer format of llama2.c (tokenizer.bin, tok512.bin): int32 max_token_length, then per token a float32
/// merge score, an int32 byte length and the UTF-8 bytes. Ids 0, 1, 2 are &lt;unk&gt;, BOS and EOS; ids 3–258 stand for
/// the raw bytes 0x00–0xFF (pieces "&lt;0xXX&gt;"). Encoding follows llama2.c's encode(): a dummy-prefix space, one
/// token per UTF-8 code point (byte tokens where the code point is not in the vocabulary), then repeatedly merge the
/// adjacent pair whose concatenation is in the vocabulary with the highest score (the leftmost on ties).
/// </summary>
public sealed class Llama2cTokenizer : ITokenizer
{
    public const int UnknownId = 0, BosId = 1, EosId = 2;
    private const int ByteOffset = 3;

    private readonly byte[][] _pieces;
    private readonly float[] _scores;
    // Keys are the pieces' bytes as Latin-1 strings (one char per byte), so lookups compare bytes exactly.
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly int? _byteTokenBase;

    private Llama2cTokenizer(TokenizerSettings settings, byte[][] pieces, float[] scores)
    {
        Settings = settings;
        _pieces = pieces;
        _scores = scores;
        for (int i = 0; i < pieces.Length; i++) _ids.TryAdd(Latin1(pieces[i]), i); // the first of duplicate pieces wins
        _byteTokenBase = pieces.Length >= ByteOffset + 256 && Encoding.ASCII.GetString(pieces[ByteOffset]) == "<0x00>" ? ByteOffset : null;
        Special = new SpecialTokenIds(
            Bos: Resolve(settings.Bos, BosId), Eos: Resolve(settings.Eos, EosId),
            Pad: Resolve(settings.Pad, EosId)!.Value, Cls: Resolve(settings.Cls, null), Sep: Resolve(settings.Sep, null),
            AddBos: settings.AddBos ?? true, AddEos: settings.AddEos ?? false);
    }

    public TokenizerSettings Settings { get; }
    public int VocabularySize => _pieces.Length;
    public SpecialTokenIds Special { get; }

    /// <summary>Reads a llama2.c tokenizer file; the vocabulary size is the number of entries in it.</summary>
    /// <exception cref="InvalidDataException">A truncated file or an entry with an impossible length.</exception>
    public static Llama2cTokenizer Load(string path, TokenizerSettings? settings = null)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4) throw new InvalidDataException($"{path} is not a llama2.c tokenizer: {bytes.Length} bytes, the header alone is 4.");
        int maxLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (maxLength <= 0) throw new InvalidDataException($"{path} is not a llama2.c tokenizer: max_token_length is {maxLength}.");
        var pieces = new List<byte[]>();
        var scores = new List<float>();
        int at = 4;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 8)
                throw new InvalidDataException($"{path} is truncated: token {pieces.Count} at byte {at} needs 8 bytes of score and length, {bytes.Length - at} left.");
            float score = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at));
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4));
            at += 8;
            if (length < 0 || length > maxLength || length > bytes.Length - at)
                throw new InvalidDataException($"{path}: token {pieces.Count} at byte {at - 8} claims {length} bytes (max_token_length {maxLength}, {bytes.Length - at} left).");
            pieces.Add(bytes.AsSpan(at, length).ToArray());
            scores.Add(score);
            at += length;
        }
        if (pieces.Count <= EosId) throw new InvalidDataException($"{path} holds {pieces.Count} tokens; a llama2.c tokenizer has at least <unk>, BOS and EOS.");
        return new Llama2cTokenizer(settings ?? new TokenizerSettings { Kind = TokenizerSettings.Llama2c, Files = [path] }, [.. pieces], [.. scores]);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<int>(text.Length + 1);
        if (text.Length == 0) return tokens;
        if (_ids.TryGetValue(" ", out int prefix)) tokens.Add(prefix); // llama2.c's add_dummy_prefix
        var utf8 = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < utf8.Length;)
        {
            int length = Utf8SequenceLength(utf8, i);
            var codePoint = Latin1(utf8.AsSpan(i, length));
            if (_ids.TryGetValue(codePoint, out int id)) tokens.Add(id);
            else foreach (byte b in utf8.AsSpan(i, length)) tokens.Add(ByteToken(b, text));
            i += length;
        }
        Merge(tokens);
        return tokens;
    }

    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        bool first = true;
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length) throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is outside the vocabulary of {_pieces.Length}.");
            if (id is BosId or EosId or UnknownId) continue;
            if (_byteTokenBase is { } b && id >= b && id < b + 256) bytes.Add((byte)(id - b));
            else
            {
                var piece = _pieces[id];
                // The dummy-prefix space of the first piece is not part of the text (llama2.c strips it after BOS).
                bytes.AddRange(first && piece.Length > 0 && piece[0] == (byte)' ' ? piece.AsSpan(1) : piece);
            }
            first = false;
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    public int? TokenToId(string token) => _ids.TryGetValue(Latin1(Encoding.UTF8.GetBytes(token)), out int id) ? id : null;

    // Greedy BPE as in llama2.c: merge the best-scoring adjacent pair until no pair is in the vocabulary. The merged
    // id of every adjacent pair is kept, so a merge only re-looks-up the two pairs it touches.
    private void Merge(List<int> tokens)
    {
        var buffer = new StringBuilder();
        var pairs = new List<int>(Math.Max(tokens.Count - 1, 0));
        for (int i = 0; i < tokens.Count - 1; i++) pairs.Add(PairId(tokens[i], tokens[i + 1], buffer));
        while (true)
        {
            float bestScore = float.NegativeInfinity;
            int bestIndex = -1;
            for (int i = 0; i < pairs.Count; i++)
                if (pairs[i] >= 0 && _scores[pairs[i]] > bestScore)
                {
                    bestScore = _scores[pairs[i]];
                    bestIndex = i;
                }
            if (bestIndex < 0) return;
            tokens[bestIndex] = pairs[bestIndex];
            tokens.RemoveAt(bestIndex + 1);
            pairs.RemoveAt(bestIndex);
            if (bestIndex > 0) pairs[bestIndex - 1] = PairId(tokens[bestIndex - 1], tokens[bestIndex], buffer);
            if (bestIndex < pairs.Count) pairs[bestIndex] = PairId(tokens[bestIndex], tokens[bestIndex + 1], buffer);
        }
    }

    private int PairId(int left, int right, StringBuilder buffer)
    {
        buffer.Clear();
        AppendLatin1(buffer, _pieces[left]);
        AppendLatin1(buffer, _pieces[right]);
        return _ids.TryGetValue(buffer.ToString(), out int id) ? id : -1;
    }

    private int ByteToken(byte b, string text) => _byteTokenBase is { } offset
        ? offset + b
        : throw new InvalidDataException(
            $"The text \"{Shorten(text)}\" holds byte 0x{b:X2}, which this llama2.c vocabulary can neither spell nor encode as a byte token.");

    private int? Resolve(string? token, int? fallback)
    {
        if (token is null) return fallback;
        if (token.Length == 0) return null;
        if (token.StartsWith('#') && int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id < _pieces.Length) return id;
        return TokenToId(token) ?? throw new InvalidDataException(
            $"Special token '{token}' is not in the llama2.c vocabulary ({_pieces.Length} tokens); give a token string of the vocabulary or #ID.");
    }

    private static int Utf8SequenceLength(byte[] utf8, int i)
    {
        // A lead byte and its continuation bytes (0b10xxxxxx), at most 4 bytes, as llama2.c groups them.
        int length = 1;
        while (i + length < utf8.Length && length < 4 && (utf8[i + length] & 0xC0) == 0x80) length++;
        return length;
    }

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static void AppendLatin1(StringBuilder sb, byte[] bytes)
    {
        foreach (byte b in bytes) sb.Append((char)b);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

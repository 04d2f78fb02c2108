using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Vocabulary;

/// <summary>The token ids some text files use: what PEMA keeps of the input embedding.</summary>
/// <param name="UsedIds">Distinct ids, ascending: every token of the counted columns plus the special tokens the data pipeline inserts.</param>
/// <param name="Rows">Data rows read.</param>
/// <param name="Tokens">Tokens counted (specials not included).</param>
public sealed record VocabularyCount(long[] UsedIds, long Rows, long Tokens);

/// <summary>
/// Counts the ids of text columns with the artifacts' tokenizer (PEMA's first step). Whole texts are counted, before
/// truncation to the sequence length, so the kept set covers every id the pipeline can feed; the specials it inserts
/// (pad, and BOS/EOS/CLS/SEP where the tokenizer has them) are kept too.
/// </summary>
public static class VocabularyCounter
{
    public static VocabularyCount Count(IEnumerable<string> files, IReadOnlyList<string> columns, ITokenizer tokenizer,
        DataFormat? format = null, bool hasHeader = true, CancellationToken cancellationToken = default)
    {
        if (columns.Count == 0) throw new ArgumentException("Name at least one text column to count.", nameof(columns));
        var seen = new bool[tokenizer.VocabularySize];
        long rows = 0, tokens = 0;
        var special = tokenizer.Special;
        foreach (var id in new int?[] { special.Pad, special.Bos, special.Eos, special.Cls, special.Sep })
            if (id is { } s) Mark(seen, s, "special token");
        foreach (var file in files)
        {
            var reader = TableReader.Open(file, format ?? DataFormats.FromPath(file), hasHeader);
            foreach (var row in reader.Read(columns, cancellationToken))
            {
                rows++;
                foreach (var text in row.Values)
                    foreach (int id in tokenizer.Encode(text))
                    {
                        Mark(seen, id, row.Where(file));
                        tokens++;
                    }
            }
        }
        var used = new List<long>();
        for (int id = 0; id < seen.Length; id++)
            if (seen[id]) used.Add(id);
        return new VocabularyCount(used.ToArray(), rows, tokens);
    }

    private static void Mark(bool[] seen, int id, string where)
    {
        if (id < 0 || id >= seen.Length)
            throw new InvalidDataException($"The tokenizer produced id {id} at {where}, outside its own vocabulary of {seen.Length}.");
        seen[id] = true;
    }
}

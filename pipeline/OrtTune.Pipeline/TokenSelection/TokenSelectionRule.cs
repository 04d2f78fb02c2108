namespace OrtTune.Pipeline.TokenSelection;

/// <summary>
/// The reference's selection rule for one example of unpadded length n, uniform without replacement:
/// decoder, ratio p: positions 0 and n−1 plus int(p·(n−2)) random positions from 1 … n−2;
/// decoder, count k: 0 and n−1 plus min(k, n−2) random; encoder, count k: 0 ([CLS]) plus min(k−1, n−1) random from
/// 1 … n−1; encoder, ratio p: 0 plus int(p·(n−1)) random. Examples of at most two tokens select all of them.
/// (The reference's ratio mode never picks n−2, an off-by-one in its range; here every interior position can be picked.)
/// </summary>
public static class TokenSelectionRule
{
    /// <summary>How many positions an example of <paramref name="length"/> tokens selects.</summary>
    public static int SelectedCount(int length, TokenSelectionOptions options)
    {
        if (length < 1) return 0;
        if (options.Decoder && length <= 2) return length;
        int interior = options.Decoder ? length - 2 : length - 1;
        int random = options.EffectiveRatio is { } p
            ? (int)(p * interior)
            : Math.Min(options.Decoder ? options.Count!.Value : options.Count!.Value - 1, interior);
        return Math.Min(length, random + (options.Decoder ? 2 : 1));
    }

    /// <summary>The selected positions of one example, ascending.</summary>
    public static int[] Sample(int length, TokenSelectionOptions options, Random random)
    {
        int count = SelectedCount(length, options);
        if (options.Decoder && length <= 2) return Enumerable.Range(0, length).ToArray();
        int interior = options.Decoder ? length - 2 : length - 1;
        var pool = Enumerable.Range(1, interior).ToArray();
        int fixedCount = options.Decoder ? 2 : 1;
        // Partial Fisher–Yates: the first (count − fixed) entries become a uniform sample without replacement.
        for (int i = 0; i < count - fixedCount; i++)
        {
            int j = random.Next(i, pool.Length);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        var chosen = pool.Take(count - fixedCount).Append(0);
        if (options.Decoder) chosen = chosen.Append(length - 1);
        return chosen.Order().ToArray();
    }
}

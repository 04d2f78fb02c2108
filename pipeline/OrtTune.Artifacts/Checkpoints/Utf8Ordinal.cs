namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Orders names by their UTF-8 bytes, as ONNX Runtime's <c>std::sort</c> of <c>std::string</c> keys does. (UTF-16
/// ordinal order differs from it for characters beyond U+FFFF.)
/// </summary>
internal sealed class Utf8Ordinal : IComparer<string>
{
    public static Utf8Ordinal Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        // Runes compare by scalar value, which is UTF-8 byte order.
        var a = x.EnumerateRunes();
        var b = y.EnumerateRunes();
        while (true)
        {
            var hasA = a.MoveNext();
            var hasB = b.MoveNext();
            if (!hasA || !hasB) return hasA.CompareTo(hasB);
            var c = a.Current.Value.CompareTo(b.Current.Value);
            if (c != 0) return c;
        }
    }

    public static IEnumerable<T> Sort<T>(IEnumerable<T> items, Func<T, string> name, bool sort) =>
        sort ? items.OrderBy(name, Instance) : items;
}

using System.Globalization;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Class labels as written in the data → class indices. With names, a label is one of the names (class i is name i)
/// or a class index in [0, count); without names, a label must be a non-negative integer.
/// </summary>
public sealed class LabelMap
{
    private readonly Dictionary<string, int>? _index;
    private readonly long? _classes;

    /// <param name="names">Label names in class order, or null for class indices.</param>
    /// <param name="classes">Classes of the model's head when known: names must number exactly this many, indices lie below it.</param>
    public LabelMap(IReadOnlyList<string>? names, long? classes = null)
    {
        _classes = classes;
        if (names is null) return;
        if (names.Count == 0) throw new InvalidDataException("The label map is empty: give at least one label name.");
        if (classes is { } c && names.Count != c)
            throw new InvalidDataException(
                $"The label map names {names.Count} labels ({string.Join(", ", names.Select(n => $"'{n}'"))}), but the model's classifier has {c} classes.");
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
            if (!_index.TryAdd(names[i], i)) throw new InvalidDataException($"The label map names '{names[i]}' twice.");
        Names = names;
    }

    /// <summary>Label names in class order; null when labels are class indices.</summary>
    public IReadOnlyList<string>? Names { get; }

    /// <summary>The class of <paramref name="label"/>; <paramref name="where"/> names the row in the error.</summary>
    /// <exception cref="InvalidDataException">A label that is not in the map (or not a class index).</exception>
    public long ClassOf(string label, string where)
    {
        var trimmed = label.Trim();
        if (_index is not null)
        {
            if (_index.TryGetValue(trimmed, out int id)) return id;
            if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long index) && index < _index.Count) return index;
            throw new InvalidDataException(
                $"{where}: label '{label}' is not in the label map; the known labels are {string.Join(", ", Names!.Select(n => $"'{n}'"))} (or a class index 0–{_index.Count - 1}).");
        }
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            return _classes is not { } c || value < c ? value
                : throw new InvalidDataException($"{where}: label {value} is outside the model's {c} classes (0–{c - 1}).");
        throw new InvalidDataException(
            $"{where}: label '{label}' is not a class index, and no label names were given; list them (--labels a,b,... or DatasetOptions.Labels) so each maps to its class.");
    }
}

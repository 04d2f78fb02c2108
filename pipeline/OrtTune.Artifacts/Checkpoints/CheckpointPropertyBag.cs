using System.Collections;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// The user properties of a checkpoint, by name (unique across the three kinds, as in ONNX Runtime), in insertion order.
/// </summary>
public sealed class CheckpointPropertyBag : IReadOnlyCollection<CheckpointProperty>
{
    private readonly List<CheckpointProperty> _items = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public CheckpointProperty this[string name] =>
        TryGet(name, out var p) ? p : throw new KeyNotFoundException($"The checkpoint has no property '{name}'.");

    public void Add(string name, long value) => Add(CheckpointProperty.Int64(name, value));

    public void Add(string name, float value) => Add(CheckpointProperty.Float(name, value));

    public void Add(string name, string value) => Add(CheckpointProperty.String(name, value));

    /// <exception cref="ArgumentException">A property with that name exists.</exception>
    public void Add(CheckpointProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        if (_index.ContainsKey(property.Name))
            throw new ArgumentException($"The checkpoint already has a property '{property.Name}'.", nameof(property));
        _index.Add(property.Name, _items.Count);
        _items.Add(property);
    }

    /// <summary>Adds the property, or replaces the value (and kind) of the one with that name in place.</summary>
    public void Set(CheckpointProperty property)
    {
        ArgumentNullException.ThrowIfNull(property);
        if (_index.TryGetValue(property.Name, out var i)) _items[i] = property;
        else Add(property);
    }

    public bool TryGet(string name, out CheckpointProperty property)
    {
        if (_index.TryGetValue(name, out var i))
        {
            property = _items[i];
            return true;
        }
        property = null!;
        return false;
    }

    public bool Contains(string name) => _index.ContainsKey(name);

    public bool Remove(string name)
    {
        if (!_index.TryGetValue(name, out var i)) return false;
        _items.RemoveAt(i);
        _index.Clear();
        for (var j = 0; j < _items.Count; j++) _index.Add(_items[j].Name, j);
        return true;
    }

    public long GetInt64(string name) => Expect(name, CheckpointPropertyKind.Int64).Int64Value;

    public float GetFloat(string name) => Expect(name, CheckpointPropertyKind.Float).FloatValue;

    public string GetString(string name) => Expect(name, CheckpointPropertyKind.String).StringValue!;

    public IEnumerator<CheckpointProperty> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private CheckpointProperty Expect(string name, CheckpointPropertyKind kind)
    {
        var p = this[name];
        return p.Kind == kind ? p : throw new InvalidOperationException($"Checkpoint property '{name}' is {p.Kind}, not {kind}.");
    }
}

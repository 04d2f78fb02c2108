using System.Globalization;

namespace OrtTune.Artifacts.Checkpoints;

/// <summary>The three value kinds a checkpoint property bag can hold.</summary>
public enum CheckpointPropertyKind
{
    Int64,
    Float,
    String,
}

/// <summary>One user property of a checkpoint: a name and an int64, float or string value.</summary>
public sealed record CheckpointProperty
{
    private CheckpointProperty(string name, CheckpointPropertyKind kind, long int64Value, float floatValue, string? stringValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
        Int64Value = int64Value;
        FloatValue = floatValue;
        StringValue = stringValue;
    }

    public string Name { get; }

    public CheckpointPropertyKind Kind { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="CheckpointPropertyKind.Int64"/>, else 0.</summary>
    public long Int64Value { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="CheckpointPropertyKind.Float"/>, else 0.</summary>
    public float FloatValue { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="CheckpointPropertyKind.String"/>, else null.</summary>
    public string? StringValue { get; }

    /// <summary>The value boxed as <see cref="long"/>, <see cref="float"/> or <see cref="string"/>.</summary>
    public object Value => Kind switch
    {
        CheckpointPropertyKind.Int64 => Int64Value,
        CheckpointPropertyKind.Float => FloatValue,
        _ => StringValue!,
    };

    public static CheckpointProperty Int64(string name, long value) => new(name, CheckpointPropertyKind.Int64, value, 0, null);

    public static CheckpointProperty Float(string name, float value) => new(name, CheckpointPropertyKind.Float, 0, value, null);

    public static CheckpointProperty String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(name, CheckpointPropertyKind.String, 0, 0, value);
    }

    public override string ToString() => $"{Name} = {Convert.ToString(Value, CultureInfo.InvariantCulture)} ({Kind})";
}

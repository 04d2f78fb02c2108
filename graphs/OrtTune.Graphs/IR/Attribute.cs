using System.Text;

namespace OrtTune.Graphs.IR;

/// <summary>Attribute kinds; numeric values are those of the ONNX format (AttributeProto.AttributeType).</summary>
public enum AttributeKind
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

/// <summary>A sparse tensor constant: values at the given indices of a dense shape.</summary>
public sealed record SparseTensor(Tensor Values, Tensor Indices, long[] Dims);

/// <summary>
/// A node attribute. <see cref="Value"/> holds float, long, byte[] (strings are bytes in ONNX), Tensor, Graph,
/// SparseTensor, ValueType, or an array of one of those, according to <see cref="Kind"/>.
/// </summary>
public sealed class Attribute
{
    public Attribute(string name, AttributeKind kind, object value)
    {
        Name = name;
        Kind = kind;
        Value = value;
    }

    public string Name { get; }
    public AttributeKind Kind { get; }
    public object Value { get; }
    public string? DocString { get; init; }

    /// <summary>Inside a function body: the name of the caller's attribute this one stands for (ref_attr_name).</summary>
    public string? RefAttrName { get; init; }

    public static Attribute Of(string name, long v) => new(name, AttributeKind.Int, v);
    public static Attribute Of(string name, float v) => new(name, AttributeKind.Float, v);
    public static Attribute Of(string name, string v) => new(name, AttributeKind.String, Encoding.UTF8.GetBytes(v));
    public static Attribute Of(string name, Tensor v) => new(name, AttributeKind.Tensor, v);
    public static Attribute Of(string name, Graph v) => new(name, AttributeKind.Graph, v);
    public static Attribute Of(string name, long[] v) => new(name, AttributeKind.Ints, v);
    public static Attribute Of(string name, float[] v) => new(name, AttributeKind.Floats, v);
    public static Attribute Of(string name, string[] v) =>
        new(name, AttributeKind.Strings, v.Select(Encoding.UTF8.GetBytes).ToArray());

    public long AsInt() => Expect<long>(AttributeKind.Int);
    public float AsFloat() => Expect<float>(AttributeKind.Float);
    public string AsString() => Encoding.UTF8.GetString(Expect<byte[]>(AttributeKind.String));
    public byte[] AsBytes() => Expect<byte[]>(AttributeKind.String);
    public Tensor AsTensor() => Expect<Tensor>(AttributeKind.Tensor);
    public Graph AsGraph() => Expect<Graph>(AttributeKind.Graph);
    public long[] AsInts() => Expect<long[]>(AttributeKind.Ints);
    public float[] AsFloats() => Expect<float[]>(AttributeKind.Floats);
    public string[] AsStrings() => Expect<byte[][]>(AttributeKind.Strings).Select(Encoding.UTF8.GetString).ToArray();
    public Graph[] AsGraphs() => Expect<Graph[]>(AttributeKind.Graphs);

    /// <summary>The subgraphs this attribute holds (none unless it is a graph or graphs attribute).</summary>
    public IEnumerable<Graph> Subgraphs => Kind switch
    {
        AttributeKind.Graph => [(Graph)Value],
        AttributeKind.Graphs => (Graph[])Value,
        _ => [],
    };

    private T Expect<T>(AttributeKind kind) => Kind == kind && Value is T v
        ? v
        : throw new InvalidOperationException($"Attribute '{Name}' is {Kind}, not {kind}.");

    public override string ToString() => Kind switch
    {
        AttributeKind.String => $"{Name}=\"{AsString()}\"",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", AsInts())}]",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", AsFloats())}]",
        _ => $"{Name}={Value}",
    };
}

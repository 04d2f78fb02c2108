using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>A small model under construction for shape tests: inputs, constants and nodes with one line each.</summary>
internal sealed class TestGraph
{
    private int _counter;

    public TestGraph(long opset = 17)
    {
        Graph = new Graph("test");
        Model = new Model(Graph);
        Model.OpsetImports[""] = opset;
        Model.OpsetImports["com.microsoft"] = 1;
    }

    public Graph Graph { get; }
    public Model Model { get; }

    /// <summary>Dims are longs (known), strings (named) or null (unknown).</summary>
    public static Shape S(params object?[] dims) => new(dims.Select(d => d switch
    {
        null => Dim.Unknown,
        string s => Dim.Named(s),
        int i => Dim.Known(i),
        long l => Dim.Known(l),
        _ => throw new ArgumentException($"bad dim {d}"),
    }));

    public Value Input(string name, DataType type, params object?[] dims) => Graph.AddInput(name, new TensorType(type, S(dims)));

    public Value Input(string name, DataType type, Shape? shape) => Graph.AddInput(name, new TensorType(type, shape));

    public Value Initializer(string name, Tensor value) => Graph.AddInitializer(name, value);

    /// <summary>A Constant node holding <paramref name="value"/>.</summary>
    public Value Const(Tensor value) => Op("Constant", [], Attribute.Of("value", value));

    public Value Ints(params long[] values) => Const(Tensor.Vector(values));

    public Value Int(long value) => Const(Tensor.Scalar(value));

    public Value Op(string opType, Value?[] inputs, params Attribute[] attributes) => Ops(opType, 1, inputs, "", attributes)[0]!;

    public Value MsOp(string opType, Value?[] inputs, params Attribute[] attributes) => Ops(opType, 1, inputs, "com.microsoft", attributes)[0]!;

    public Value?[] Ops(string opType, int outputs, Value?[] inputs, string domain = "", params Attribute[] attributes)
    {
        int id = ++_counter;
        var node = new Node(domain, opType, inputs, Enumerable.Range(0, outputs).Select(i => $"{opType.ToLowerInvariant()}{id}_{i}"),
            attributes, $"{opType}_{id}");
        Graph.Append(node);
        return node.Outputs.ToArray();
    }

    public InferenceResult Infer(ShapeInferenceOptions? options = null) => ShapeInference.Run(Model, options);
}

internal static class ShapeAssert
{
    public static void HasShape(Value value, params object?[] dims)
    {
        Assert.IsNotNull(value.Shape, $"'{value.Name}' has no shape: {value.Type}");
        Assert.AreEqual(TestGraph.S(dims), value.Shape, $"shape of '{value.Name}'");
    }

    public static void HasType(Value value, DataType type, params object?[] dims)
    {
        Assert.AreEqual(type, value.ElemType, $"element type of '{value.Name}'");
        HasShape(value, dims);
    }
}

using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using ValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// What a shape rule sees of one node: its inputs' types, known constant values and symbolic shape values, its
/// attributes and the opset of its domain; and where the rule puts the output types it works out.
/// </summary>
public sealed class InferenceContext
{
    private readonly InferenceEngine _engine;
    private readonly ValueType?[] _outputTypes;
    private readonly SymbolicInt[]?[] _shapeValues;
    private readonly Tensor?[] _outputValues;

    internal InferenceContext(InferenceEngine engine, Node node, long opset)
    {
        _engine = engine;
        Node = node;
        Opset = opset;
        _outputTypes = new ValueType?[node.Outputs.Count];
        _shapeValues = new SymbolicInt[]?[node.Outputs.Count];
        _outputValues = new Tensor?[node.Outputs.Count];
    }

    public Node Node { get; }

    /// <summary>The operator set version imported for the node's domain.</summary>
    public long Opset { get; }

    public ShapeInferenceOptions Options => _engine.Options;

    /// <summary>Why some output dimension stays unknown, when the rule can say better than the default.</summary>
    internal string? UnknownReason { get; private set; }

    // ---- inputs -------------------------------------------------------------------------------------------------

    public int InputCount => Node.Inputs.Count;

    /// <summary>True when input <paramref name="i"/> exists and is not an omitted optional input.</summary>
    public bool HasInput(int i) => Node.InputOrNull(i) is not null;

    public Value? Input(int i) => Node.InputOrNull(i);
    public TensorType? InputType(int i) => Input(i)?.Type as TensorType;
    public Shape? InputShape(int i) => InputType(i)?.Shape;
    public int? InputRank(int i) => InputShape(i)?.Rank;
    public DataType InputElemType(int i) => InputType(i)?.ElemType ?? DataType.Undefined;

    /// <summary>The constant value of input <paramref name="i"/>, when it is known.</summary>
    public Tensor? KnownInput(int i) => Input(i) is { } v ? _engine.KnownValue(v) : null;

    /// <summary>A known input's elements as integers (float inputs only when all elements are whole numbers).</summary>
    public long[]? KnownInts(int i) => KnownInput(i) is { } t && t.ElementCount <= Options.MaxPropagatedElements ? TensorNumbers.ToIntegers(t) : null;

    public double[]? KnownDoubles(int i) => KnownInput(i) is { } t && t.ElementCount <= Options.MaxPropagatedElements ? TensorNumbers.ToDoubles(t) : null;

    /// <summary>A known scalar (or one-element) input as an integer.</summary>
    public long? KnownScalarInt(int i) => KnownInts(i) is [var v] ? v : null;

    /// <summary>
    /// The elements of a 0-D or 1-D input as symbolic integers: from its known value, or from symbolic propagation
    /// through a shape subgraph (Shape → Gather → Concat ...). Null when neither is available.
    /// </summary>
    public SymbolicInt[]? ShapeValue(int i)
    {
        if (Input(i) is not { } v) return null;
        if (_engine.KnownValue(v) is { Rank: <= 1 } t && t.ElementCount <= 4096 && TensorNumbers.ToIntegers(t) is { } ints)
            return Array.ConvertAll(ints, SymbolicInt.Known);
        return _engine.SymbolicValue(v);
    }

    // ---- attributes ---------------------------------------------------------------------------------------------

    public Attribute? Attr(string name) => Node.Attr(name);
    public long GetInt(string name, long fallback) => Node.GetInt(name, fallback);
    public float GetFloat(string name, float fallback) => Node.GetFloat(name, fallback);
    public string GetString(string name, string fallback) => Node.GetString(name, fallback);
    public long[]? GetInts(string name) => Node.GetInts(name);

    // ---- outputs ------------------------------------------------------------------------------------------------

    public int OutputCount => Node.Outputs.Count;

    /// <summary>True when output <paramref name="i"/> exists and is not omitted.</summary>
    public bool HasOutput(int i) => i < Node.Outputs.Count && Node.Outputs[i] is not null;

    /// <summary>Sets the type of output <paramref name="i"/>; ignored for omitted outputs so rules can set optional ones freely.</summary>
    public void SetOutput(int i, ValueType? type)
    {
        if (i < _outputTypes.Length) _outputTypes[i] = type;
    }

    public void SetOutput(int i, DataType elemType, Shape? shape) => SetOutput(i, new TensorType(elemType, shape));

    /// <summary>Sets a tensor output from its dims; null dims mean the rank is unknown.</summary>
    public void SetOutput(int i, DataType elemType, IEnumerable<Dim>? dims) =>
        SetOutput(i, new TensorType(elemType, dims is null ? null : new Shape(dims)));

    /// <summary>Gives output <paramref name="i"/> (a 0-D or 1-D integer-valued tensor) a symbolic value.</summary>
    public void SetShapeValue(int i, IReadOnlyList<SymbolicInt> elements)
    {
        if (i < _shapeValues.Length) _shapeValues[i] = elements.ToArray();
    }

    /// <summary>Gives output <paramref name="i"/> a known constant value (Constant nodes, decidable comparisons).</summary>
    public void SetOutputValue(int i, Tensor value)
    {
        if (i < _outputValues.Length) _outputValues[i] = value;
    }

    /// <summary>Says why the rule leaves some output dimension unknown (e.g. it depends on tensor contents).</summary>
    public void NoteUnknown(string reason) => UnknownReason = reason;

    internal ValueType? OutputType(int i) => _outputTypes[i];
    internal SymbolicInt[]? OutputShapeValue(int i) => _shapeValues[i];
    internal Tensor? OutputValue(int i) => _outputValues[i];

    // ---- subgraphs ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Infers the body of a control-flow node given the types of its inputs (a declared body input type wins) and
    /// returns the types of its outputs.
    /// </summary>
    public IReadOnlyList<ValueType?> InferSubgraph(Graph body, IReadOnlyList<ValueType?> inputTypes) =>
        _engine.InferSubgraph(body, inputTypes);

    // ---- checks -------------------------------------------------------------------------------------------------

    /// <summary>An error naming this node, for the rule to throw.</summary>
    public ShapeException Error(string message) => new($"Shape inference: {Describe(Node)}: {message}");

    internal static string Describe(Node node)
    {
        string domain = node.Domain.Length == 0 ? "ai.onnx" : node.Domain;
        string name = node.Name.Length > 0 ? node.Name : $"producing '{node.Outputs.FirstOrDefault(o => o is not null)?.Name}'";
        return $"node '{name}' ({node.OpType}, domain {domain})";
    }

    /// <summary>Normalises a possibly negative axis into [0, rank); throws naming the node when out of range.</summary>
    public int Axis(long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw Error($"{what} {axis} is out of range for rank {rank}.");
        return (int)a;
    }

    /// <summary>Normalises a list of axes, rejecting duplicates.</summary>
    public int[] Axes(IEnumerable<long> axes, int rank, string what = "axes")
    {
        var result = axes.Select(a => Axis(a, rank, what)).ToArray();
        if (result.Distinct().Count() != result.Length) throw Error($"{what} [{string.Join(", ", axes)}] repeat an axis.");
        return result;
    }

    /// <summary>Throws unless input <paramref name="i"/> has rank <paramref name="rank"/> (when its rank is known).</summary>
    public void ExpectRank(int i, params int[] ranks)
    {
        if (InputRank(i) is int r && !ranks.Contains(r))
            throw Error($"input {i} ('{Input(i)!.Name}') has rank {r}; expected rank {string.Join(" or ", ranks)}.");
    }
}

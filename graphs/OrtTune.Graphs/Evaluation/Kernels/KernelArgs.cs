using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>
/// A node and its constant inputs as a kernel sees them. Every accessor checks what it returns and reports a
/// problem as an <see cref="OrtTuneException"/> that names the node and its operator.
/// </summary>
internal sealed class KernelArgs(Node node, IReadOnlyList<Tensor?> inputs)
{
    public Node Node { get; } = node;

    /// <summary>How many inputs the node declares (omitted optional ones included).</summary>
    public int InputCount => Math.Max(Node.Inputs.Count, inputs.Count);

    /// <summary>True when the node declares input <paramref name="index"/> (it is not omitted).</summary>
    public bool Has(int index) => Node.InputOrNull(index) is not null || (index < inputs.Count && inputs[index] is not null);

    /// <summary>A required input.</summary>
    public Tensor Input(int index) =>
        Optional(index) ?? throw Fail($"input {index} is required but {(Has(index) ? "has no constant value" : "is missing")}.");

    /// <summary>An optional input: null when the node omits it; an error when the node has it but no constant came with it.</summary>
    public Tensor? Optional(int index)
    {
        var tensor = index < inputs.Count ? inputs[index] : null;
        if (tensor is null && Has(index))
            throw Fail($"input {index} ('{Node.InputOrNull(index)?.Name}') has no constant value.");
        return tensor;
    }

    public void AtMostInputs(int count)
    {
        for (int i = count; i < InputCount; i++)
            if (Has(i)) throw Fail($"takes at most {count} inputs but has {InputCount}.");
    }

    public OrtTuneException Fail(string message, Exception? inner = null)
    {
        string text = $"Constant evaluation of {Node.QualifiedOpType} node '{Node.Name}': {message}";
        return inner is null ? new OrtTuneException(text) : new OrtTuneException(text, inner);
    }

    public OrtTuneException Unsupported(DataType type, string what = "input") =>
        Fail($"{what} element type {type.OnnxName()} is not supported.");

    /// <summary>An axis in [-rank, rank) made non-negative.</summary>
    public int Axis(long axis, int rank, string what = "axis") =>
        axis >= -rank && axis < rank
            ? (int)(axis < 0 ? axis + rank : axis)
            : throw Fail($"{what} {axis} is out of range for rank {rank}.");

    /// <summary>The integers of an index-like tensor (shape, axes, starts, repeats...).</summary>
    public long[] Ints(Tensor tensor, string what) =>
        tensor.DataType.IsInteger()
            ? tensor.ToInt64Array()
            : throw Fail($"{what} must hold integers, not {tensor.DataType.OnnxName()}.");

    /// <summary>The single integer of a scalar (or one-element) index-like tensor.</summary>
    public long Int(Tensor tensor, string what)
    {
        var values = Ints(tensor, what);
        return values.Length == 1 ? values[0] : throw Fail($"{what} must be a scalar but has shape [{string.Join(",", tensor.Dims)}].");
    }

    /// <summary>A required ints attribute.</summary>
    public long[] IntsAttr(string name) => Node.GetInts(name) ?? throw Fail($"attribute '{name}' is required.");

    /// <summary>All inputs share one element type; returns it.</summary>
    public DataType SameType(params Tensor[] tensors)
    {
        var type = tensors[0].DataType;
        foreach (var t in tensors)
            if (t.DataType != type)
                throw Fail($"inputs must have one element type but have {string.Join(", ", tensors.Select(x => x.DataType.OnnxName()))}.");
        return type;
    }

    /// <summary>The numpy broadcast of the inputs' shapes.</summary>
    public long[] Broadcast(params Tensor[] tensors) =>
        TensorMath.Broadcast(tensors.Select(t => t.Dims).ToArray())
        ?? throw Fail($"shapes {string.Join(" and ", tensors.Select(t => "[" + string.Join(",", t.Dims) + "]"))} do not broadcast.");
}

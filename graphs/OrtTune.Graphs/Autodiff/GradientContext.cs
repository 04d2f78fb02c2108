using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>What a <see cref="GradientRule"/> sees of the node it differentiates, and where it puts its results.</summary>
public sealed class GradientContext
{
    private readonly Func<int, Value?> _outputGrad;
    private readonly Func<int, bool> _needsGrad;
    private readonly Action<int, Value> _setGrad;

    internal GradientContext(Node node, OpBuilder ops, Func<int, Value?> outputGrad, Func<int, bool> needsGrad, Action<int, Value> setGrad)
    {
        Node = node;
        Ops = ops;
        _outputGrad = outputGrad;
        _needsGrad = needsGrad;
        _setGrad = setGrad;
    }

    public Node Node { get; }

    /// <summary>Builds the backward nodes (typed as they are added).</summary>
    public OpBuilder Ops { get; }

    public long Opset => Ops.Opset;

    /// <summary>Forward input <paramref name="i"/> (must be present).</summary>
    public Value Input(int i) => Node.InputOrNull(i) ?? throw new InvalidOperationException($"{Describe()}: input {i} is absent.");

    public Value? OptionalInput(int i) => Node.InputOrNull(i);

    public Value Output(int i) => Node.Outputs[i] ?? throw new InvalidOperationException($"{Describe()}: output {i} is absent.");

    /// <summary>Gradient of the loss with respect to output <paramref name="i"/>, or null when none flows there.</summary>
    public Value? OutputGrad(int i) => _outputGrad(i);

    /// <summary>Gradient of output <paramref name="i"/>, with zeros standing in when none flows there.</summary>
    public Value OutputGradOrZeros(int i) => OutputGrad(i) ?? Ops.ZerosLike(Output(i));

    /// <summary>True when input <paramref name="i"/> needs a gradient (a float value on the path to a trained parameter).</summary>
    public bool NeedsGrad(int i) => _needsGrad(i);

    /// <summary>Contributes <paramref name="grad"/> (same shape and type as input <paramref name="i"/>) to that input's gradient.</summary>
    public void SetGrad(int i, Value grad)
    {
        if (!NeedsGrad(i)) return;
        var input = Input(i);
        var want = OpBuilder.StaticShape(input);
        var have = OpBuilder.StaticShape(grad);
        if (!want.SequenceEqual(have))
            throw new InvalidOperationException(
                $"{Describe()}: gradient rule produced shape [{string.Join(",", have)}] for input '{input.Name}' of shape [{string.Join(",", want)}].");
        _setGrad(i, grad);
    }

    public long[] Shape(Value v) => OpBuilder.StaticShape(v);

    /// <summary>The value of a constant input (an initializer or a Constant node's output), or null.</summary>
    public static Tensor? ConstantValue(Value? v) => v switch
    {
        null => null,
        { Initializer: { } t } => t,
        { Producer: { OpType: "Constant", Domain: "" } p } when p.Attr("value") is { Kind: AttributeKind.Tensor } a => a.AsTensor(),
        _ => null,
    };

    /// <summary>Integer values of constant input <paramref name="i"/> (axes, shapes, split sizes), or null when absent.</summary>
    public long[]? ConstantInts(int i)
    {
        var v = OptionalInput(i);
        if (v is null) return null;
        return ConstantValue(v)?.ToInt64Array()
               ?? throw new InvalidOperationException($"{Describe()}: input {i} ('{v.Name}') must be a constant.");
    }

    public long GetInt(string name, long fallback) => Node.GetInt(name, fallback);

    /// <summary>Normalises a possibly negative axis for a tensor of rank <paramref name="rank"/>.</summary>
    public static long Axis(long axis, int rank) => axis < 0 ? axis + rank : axis;

    public string Describe() => $"gradient of {Node.QualifiedOpType} node '{Node.Name}'";
}

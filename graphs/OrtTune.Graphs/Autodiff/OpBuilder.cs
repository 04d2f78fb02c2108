using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff;

/// <summary>
/// Adds standard ONNX ops to a graph with their output types inferred on the spot, writing each op in the form the
/// model's operator set expects (axes as attribute or input, depending on the opset). Gradient rules, losses and
/// optimizers all build through it.
/// </summary>
public sealed class OpBuilder
{
    private readonly IReadOnlyDictionary<string, long> _opsets;

    public OpBuilder(Graph graph, IReadOnlyDictionary<string, long> opsets, string namePrefix = "")
    {
        _opsets = opsets;
        Opset = opsets.TryGetValue("", out var v) ? v : throw new ArgumentException("The model imports no default ONNX operator set.");
        Builder = new GraphBuilder(graph, namePrefix)
        {
            NodeAdded = node =>
            {
                ShapeInference.InferNode(node, _opsets);
                _built.Add(node);
            },
        };
    }

    /// <summary>Nodes this builder added: the only ones it may remove again when a peephole leaves them unread.</summary>
    private readonly HashSet<Node> _built = [];

    public GraphBuilder Builder { get; }
    public Graph Graph => Builder.Graph;

    /// <summary>Default-domain operator set version of the model being built.</summary>
    public long Opset { get; }

    /// <summary>True when the model imports the ORT contrib domain (com.microsoft), so FusedMatMul etc. may be used.</summary>
    public bool HasContribDomain => _opsets.ContainsKey("com.microsoft");

    public Value Op(string opType, params Value?[] inputs) => Builder.Op(opType, inputs);
    public Value Op(string opType, Value?[] inputs, params Attribute[] attributes) => Builder.Op(opType, inputs, attributes);
    public IReadOnlyList<Value?> Multi(string domain, string opType, Value?[] inputs, int outputs, params Attribute[] attributes) =>
        Builder.Add(domain, opType, inputs, outputs, attributes);

    // ---- constants ----------------------------------------------------------------------------------------------

    /// <summary>A scalar of <paramref name="type"/> (float, double or float16) holding <paramref name="value"/>.</summary>
    public Value Scalar(double value, DataType type) => Builder.Constant(type switch
    {
        DataType.Float => Tensor.Scalar((float)value),
        DataType.Double => Tensor.Scalar(value),
        DataType.Float16 => Tensor.Scalar((Half)value),
        DataType.Int64 => Tensor.Scalar((long)value),
        DataType.Int32 => Tensor.Scalar((int)value),
        _ => throw new ArgumentException($"No scalar constant of type {type.OnnxName()}."),
    }, "c");

    public Value Ints(params long[] values) => Builder.Constant(Tensor.Vector(values), "ints");

    /// <summary>A tensor of zeros with the (static) shape and type of <paramref name="like"/>.</summary>
    public Value ZerosLike(Value like)
    {
        var shape = StaticShape(like);
        var zero = like.ElemType switch
        {
            DataType.Float => Tensor.Scalar(0f),
            DataType.Double => Tensor.Scalar(0d),
            DataType.Float16 => Tensor.Scalar((Half)0),
            _ => throw new ArgumentException($"No zeros of type {like.ElemType.OnnxName()}."),
        };
        var single = Tensor.FromRaw(zero.DataType, [1], zero.RawBytes);
        return Op("ConstantOfShape", [Ints(shape)], Attribute.Of("value", single));
    }

    /// <summary>
    /// Zeros of <paramref name="like"/>'s shape and type that come into existence only once <paramref name="after"/>
    /// has been computed. A ConstantOfShape with a constant shape is folded by ONNX Runtime into a resident initializer
    /// (or run first thing), so a scatter-add gradient's base — [vocabulary, d] for an embedding — would stay alive
    /// for the whole step; here the zero is ArgMax over one element of <paramref name="after"/>, which is 0 whatever
    /// that element holds (NaN included), so the buffer is allocated at the scatter and freed after it.
    /// </summary>
    public Value ZerosAfter(Value like, Value after) => ZerosAfter(StaticShape(like), like.ElemType, after);

    /// <summary>Zeros of <paramref name="shape"/> and <paramref name="type"/> that exist only once <paramref name="after"/> does (see above).</summary>
    public Value ZerosAfter(long[] shape, DataType type, Value after)
    {
        long count = StaticShape(after).Aggregate(1L, (a, b) => a * b);
        var first = Op("Slice", Reshape(after, count), Ints(0), Ints(1));
        if (after.ElemType != DataType.Float) first = Cast(first, DataType.Float);
        var index = Op("ArgMax", [first], Attribute.Of("axis", 0L), Attribute.Of("keepdims", 1L));
        return Expand(Cast(index, type), shape);
    }

    public Value OnesLike(Value like) => Expand(Scalar(1, like.ElemType), StaticShape(like));

    // ---- shape-aware helpers ------------------------------------------------------------------------------------

    public static long[] StaticShape(Value v) => v.Shape is { IsStatic: true } s
        ? s.ToArray()
        : throw new InvalidOperationException($"'{v.Name}' has no static shape ({v.Type?.ToString() ?? "untyped"}); specialise the model first.");

    public static int Rank(Value v) => StaticShape(v).Length;

    public Value Reshape(Value x, params long[] shape) =>
        StaticShape(x).SequenceEqual(shape) ? x : Op("Reshape", x, Ints(shape));

    public Value Cast(Value x, DataType to) => x.ElemType == to ? x : Op("Cast", [x], Attribute.Of("to", (long)to));

    public Value Expand(Value x, long[] shape) => StaticShape(x).SequenceEqual(shape) ? x : Op("Expand", x, Ints(shape));

    /// <summary>
    /// Transpose, folded into the Transpose that produced <paramref name="x"/> where there is one: two transposes that
    /// cancel give back the original value (no copy; e.g. the weight W behind a linear layer's exported Wᵀ, so that the
    /// transposed copy need not stay alive for the backward pass), and a transpose of a transpose this builder made
    /// and nothing reads yet becomes one transpose. The inner node is left in place (the caller may still read its
    /// output); <see cref="RemoveUnread"/> sweeps it when nothing does.
    /// </summary>
    public Value Transpose(Value x, params long[] perm)
    {
        if (IsIdentity(perm)) return x;
        if (x.Producer is { OpType: "Transpose", Domain: "" } inner && inner.InputOrNull(0) is { } source)
        {
            var innerPerm = inner.GetInts("perm") ?? Enumerable.Range(0, perm.Length).Reverse().Select(i => (long)i).ToArray();
            var composed = perm.Select(i => innerPerm[i]).ToArray();
            if (IsIdentity(composed)) return source;
            if (x.Uses.Count == 0 && _built.Contains(inner)) return Op("Transpose", [source], Attribute.Of("perm", composed));
        }
        return Op("Transpose", [x], Attribute.Of("perm", perm));
    }

    private static bool IsIdentity(long[] perm) => perm.Select((p, i) => p == i).All(b => b);

    /// <summary>
    /// Removes the nodes this builder added whose outputs nothing reads (left behind by the folds above), except those
    /// producing a value of <paramref name="keep"/> or a graph output.
    /// </summary>
    public void RemoveUnread(IReadOnlySet<Value> keep)
    {
        bool removed = true;
        while (removed)
        {
            removed = false;
            foreach (var node in _built.ToList())
            {
                if (node.Graph is null || node.Outputs.Any(o => o is not null && (o.Uses.Count > 0 || o.IsGraphOutput || keep.Contains(o)))) continue;
                node.Graph.Remove(node);
                _built.Remove(node);
                removed = true;
            }
        }
    }

    /// <summary>
    /// The value whose last two axes <paramref name="x"/> swaps, when a Transpose produced <paramref name="x"/> that
    /// way (an exported linear layer's Wᵀ, attention's Kᵀ); null otherwise.
    /// </summary>
    public static Value? SwappedLast2Source(Value x)
    {
        if (x.Producer is not { OpType: "Transpose", Domain: "" } t || t.InputOrNull(0) is not { } source) return null;
        int rank = x.Shape?.Rank ?? -1;
        if (rank < 2) return null;
        var perm = t.GetInts("perm") ?? (rank == 2 ? [1, 0] : null);
        if (perm is null || perm.Length != rank) return null;
        for (int i = 0; i < rank - 2; i++)
            if (perm[i] != i)
                return null;
        return perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2 ? source : null;
    }

    /// <summary>Swaps the last two axes.</summary>
    public Value TransposeLast2(Value x)
    {
        int r = Rank(x);
        var perm = Enumerable.Range(0, r).Select(i => (long)i).ToArray();
        (perm[r - 1], perm[r - 2]) = (perm[r - 2], perm[r - 1]);
        return Transpose(x, perm);
    }

    public Value ReduceSum(Value x, long[] axes, bool keepDims)
    {
        if (axes.Length == 0) return x;
        return Opset >= 13
            ? Op("ReduceSum", [x, Ints(axes)], Attribute.Of("keepdims", keepDims ? 1L : 0L))
            : Op("ReduceSum", [x], Attribute.Of("axes", axes), Attribute.Of("keepdims", keepDims ? 1L : 0L));
    }

    public Value ReduceMean(Value x, long[] axes, bool keepDims) => Opset >= 18
        ? Op("ReduceMean", [x, Ints(axes)], Attribute.Of("keepdims", keepDims ? 1L : 0L))
        : Op("ReduceMean", [x], Attribute.Of("axes", axes), Attribute.Of("keepdims", keepDims ? 1L : 0L));

    public Value Unsqueeze(Value x, params long[] axes) => Opset >= 13
        ? Op("Unsqueeze", x, Ints(axes))
        : Op("Unsqueeze", [x], Attribute.Of("axes", axes));

    public Value Squeeze(Value x, params long[] axes) => Opset >= 13
        ? Op("Squeeze", x, Ints(axes))
        : Op("Squeeze", [x], Attribute.Of("axes", axes));

    /// <summary>
    /// Sums <paramref name="grad"/> over the axes along which a value of shape <paramref name="target"/> was
    /// broadcast (numpy rules) to produce it, giving a gradient of the target's shape.
    /// </summary>
    public Value Unbroadcast(Value grad, long[] target)
    {
        var shape = StaticShape(grad);
        if (shape.SequenceEqual(target)) return grad;
        int lead = shape.Length - target.Length;
        var axes = new List<long>();
        for (int i = 0; i < shape.Length; i++)
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) axes.Add(i);
        var summed = ReduceSum(grad, axes.ToArray(), keepDims: true);
        return Reshape(summed, target);
    }

    public Value Unbroadcast(Value grad, Value target) => Unbroadcast(grad, StaticShape(target));

    /// <summary>a·bᵀ-style products; uses ORT's FusedMatMul where the contrib domain is imported and Gemm for matrices, saving a Transpose.</summary>
    /// <remarks>
    /// An operand that is itself a last-two-axes Transpose of some value is read through that value with the flag
    /// flipped, so the backward pass never keeps a transposed copy alive (ONNX Runtime then fuses the forward
    /// Transpose into its MatMul as well).
    /// </remarks>
    public Value MatMul(Value a, Value b, bool transA = false, bool transB = false)
    {
        bool Fusable(Value x, Value y) => HasContribDomain && Rank(x) >= 2 && Rank(x) == Rank(y);
        // Not through a frozen weight's transpose: ONNX Runtime folds that transpose into a constant the forward
        // reads, and reading the weight as well would keep both copies resident.
        if (SwappedLast2Source(a) is { IsInitializer: false } a0 && (transA || Fusable(a0, b))) (a, transA) = (a0, !transA);
        if (SwappedLast2Source(b) is { IsInitializer: false } b0 && (transB || Fusable(a, b0))) (b, transB) = (b0, !transB);
        if (!transA && !transB) return Op("MatMul", a, b);
        if (HasContribDomain && Rank(a) >= 2 && Rank(b) >= 2 && Rank(a) == Rank(b))
            return Multi("com.microsoft", "FusedMatMul", [a, b], 1,
                Attribute.Of("transA", transA ? 1L : 0L), Attribute.Of("transB", transB ? 1L : 0L), Attribute.Of("alpha", 1f))[0]!;
        // A constant operand (a frozen weight, or its exported transpose): Gemm reads it as stored, where a Transpose
        // would be folded by ONNX Runtime into a resident transposed copy. Not for values computed in the step:
        // ONNX Runtime fuses Transpose + MatMul on those, and measured on BERT-base a Gemm there kept 85 MB more alive.
        if (Rank(a) == 2 && Rank(b) == 2 && Opset >= 11 && ((transA && IsConstant(a)) || (transB && IsConstant(b))))
            return Op("Gemm", [a, b], Attribute.Of("transA", transA ? 1L : 0L), Attribute.Of("transB", transB ? 1L : 0L));
        return Op("MatMul", transA ? TransposeLast2(a) : a, transB ? TransposeLast2(b) : b);
    }

    /// <summary>An initializer, or the output of a node that reads only initializers (what ONNX Runtime folds into one).</summary>
    private static bool IsConstant(Value v) =>
        v.IsInitializer || v.Producer is { } p && p.Inputs.All(i => i is null || i.IsInitializer);

    /// <summary>Adds up gradient contributions (one value is returned as is).</summary>
    public Value Sum(IReadOnlyList<Value> values) => values.Count switch
    {
        0 => throw new ArgumentException("Nothing to sum."),
        1 => values[0],
        2 => Op("Add", values[0], values[1]),
        _ => Op("Sum", values.ToArray()),
    };
}

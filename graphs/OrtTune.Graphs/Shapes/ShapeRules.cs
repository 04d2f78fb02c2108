using OrtTune.Graphs.Shapes.Rules;

namespace OrtTune.Graphs.Shapes;

/// <summary>Infers a node's output types from what its <see cref="InferenceContext"/> knows about the inputs.</summary>
public delegate void ShapeRule(InferenceContext ctx);

/// <summary>
/// The one table of shape rules, keyed by (domain, op_type). Adding an operator means adding its rule to a file
/// under Rules/ and one line here.
/// </summary>
public static class ShapeRules
{
    private const string Onnx = "";
    private const string Ms = "com.microsoft";

    private static readonly Dictionary<(string Domain, string OpType), ShapeRule> Table = Build();

    public static ShapeRule? Find(string domain, string opType) =>
        Table.GetValueOrDefault((IR.Node.NormalizeDomain(domain), opType));

    /// <summary>Every (domain, op_type) that has a rule ("" is the default ONNX domain).</summary>
    public static IEnumerable<(string Domain, string OpType)> Supported => Table.Keys;

    private static Dictionary<(string, string), ShapeRule> Build()
    {
        var t = new Dictionary<(string, string), ShapeRule>();
        void Add(string domain, ShapeRule rule, params string[] ops)
        {
            foreach (var op in ops) t.Add((domain, op), rule);
        }

        // Shapes as data.
        Add(Onnx, ShapeOfRules.Shape, "Shape");
        Add(Onnx, ShapeOfRules.Size, "Size");
        Add(Onnx, ConstantRules.Constant, "Constant");
        Add(Onnx, ConstantRules.ConstantOfShape, "ConstantOfShape");
        Add(Onnx, RangeRules.Range, "Range");

        // Moving data around.
        Add(Onnx, GatherRules.Gather, "Gather");
        Add(Onnx, GatherRules.GatherElements, "GatherElements");
        Add(Onnx, GatherRules.GatherND, "GatherND");
        Add(Onnx, SqueezeRules.Unsqueeze, "Unsqueeze");
        Add(Onnx, SqueezeRules.Squeeze, "Squeeze");
        Add(Onnx, ConcatRules.Concat, "Concat");
        Add(Onnx, ReshapeRules.Reshape, "Reshape");
        Add(Onnx, ReshapeRules.Flatten, "Flatten");
        Add(Onnx, ExpandRules.Expand, "Expand");
        Add(Onnx, ExpandRules.Tile, "Tile");
        Add(Onnx, SliceRules.Slice, "Slice");
        Add(Onnx, SplitRules.Split, "Split");
        Add(Onnx, TransposeRules.Transpose, "Transpose");
        Add(Onnx, PadRules.Pad, "Pad");
        Add(Onnx, UnaryRules.SameAsInput, "ScatterND", "ScatterElements", "Scatter", "Trilu");
        Add(Onnx, UnaryRules.Identity, "Identity");
        Add(Onnx, CastRules.Cast, "Cast");
        Add(Onnx, CastRules.CastLike, "CastLike");
        Add(Onnx, CastRules.DequantizeLinear, "DequantizeLinear");

        // Element-wise.
        Add(Onnx, UnaryRules.SameAsInput,
            "Neg", "Abs", "Sqrt", "Reciprocal", "Exp", "Log", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu",
            "Selu", "Celu", "Gelu", "Softplus", "Softsign", "Mish", "HardSigmoid", "HardSwish", "ThresholdedRelu",
            "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
            "Floor", "Ceil", "Round", "Sign", "Not", "BitwiseNot", "Clip", "Shrink", "CumSum");
        Add(Onnx, UnaryRules.Predicate, "IsNaN", "IsInf");
        Add(Onnx, BroadcastRules.Arithmetic,
            "Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor");
        Add(Onnx, BroadcastRules.Logical, "And", "Or", "Xor");
        Add(Onnx, BroadcastRules.Comparison, "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual");
        Add(Onnx, BroadcastRules.Variadic, "Max", "Min", "Sum", "Mean");
        Add(Onnx, BroadcastRules.Where, "Where");

        // Linear algebra and normalisation.
        Add(Onnx, MatMulRules.MatMul, "MatMul");
        Add(Onnx, MatMulRules.Gemm, "Gemm");
        Add(Onnx, EinsumRules.Einsum, "Einsum");
        Add(Onnx, UnaryRules.SameAsInputWithAxis, "Softmax", "LogSoftmax", "Hardmax");
        Add(Onnx, NormalizationRules.LayerNormalization, "LayerNormalization", "SimplifiedLayerNormalization");
        Add(Onnx, ReduceRules.Reduce,
            "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
            "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
        Add(Onnx, ReduceRules.ArgMinMax, "ArgMax", "ArgMin");

        // Everything else transformers use.
        Add(Onnx, DropoutRules.Dropout, "Dropout");
        Add(Onnx, TopKRules.TopK, "TopK");
        Add(Onnx, OneHotRules.OneHot, "OneHot");
        Add(Onnx, NonZeroRules.NonZero, "NonZero");
        Add(Onnx, LossRules.Loss, "SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss");
        Add(Onnx, ControlFlowRules.If, "If");
        Add(Onnx, ControlFlowRules.Loop, "Loop");
        Add(Onnx, ControlFlowRules.Scan, "Scan");

        // ONNX Runtime contrib ops.
        Add(Ms, MatMulRules.FusedMatMul, "FusedMatMul", "TransposeMatMul");
        Add(Ms, NormalizationRules.LayerNormalization, "SimplifiedLayerNormalization");
        Add(Ms, NormalizationRules.SkipLayerNormalization, "SkipLayerNormalization", "SkipSimplifiedLayerNormalization");
        Add(Ms, NormalizationRules.EmbedLayerNormalization, "EmbedLayerNormalization");
        Add(Ms, UnaryRules.SameAsInput, "BiasGelu", "FastGelu", "Gelu", "QuickGelu", "BiasAdd", "RotaryEmbedding");
        Add(Ms, AttentionRules.Attention, "Attention");
        Add(Ms, AttentionRules.MultiHeadAttention, "MultiHeadAttention");
        Add(Ms, AttentionRules.GroupQueryAttention, "GroupQueryAttention");
        return t;
    }
}

using OrtTune.Graphs.Autodiff.Rules;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>The one table of gradient rules, keyed by (domain, op type); "" is the default ONNX domain.</summary>
public static class GradientRules
{
    private static readonly Dictionary<(string Domain, string OpType), GradientRule> Table = Build();

    public static GradientRule? Find(Node node) => Table.GetValueOrDefault((node.Domain, node.OpType));

    public static bool Has(string domain, string opType) => Table.ContainsKey((Node.NormalizeDomain(domain), opType));

    /// <summary>Every (domain, op) with a rule, for reports and the central gradient check.</summary>
    public static IEnumerable<(string Domain, string OpType)> Supported => Table.Keys;

    private static Dictionary<(string, string), GradientRule> Build()
    {
        var t = new Dictionary<(string, string), GradientRule>();
        void Add(string op, GradientRule rule, string domain = "") => t.Add((domain, op), rule);

        Add("Identity", IdentityGradients.Identity);
        Add("Add", ArithmeticGradients.Add);
        Add("Sub", ArithmeticGradients.Sub);
        Add("Mul", ArithmeticGradients.Mul);
        Add("Div", ArithmeticGradients.Div);
        Add("Neg", ArithmeticGradients.Neg);
        Add("MatMul", MatMulGradients.MatMul);
        Add("ReduceSum", ReduceGradients.ReduceSum);
        Add("ReduceMean", ReduceGradients.ReduceMean);

        // ---- element-wise maths, activations, normalisation, softmax, Gemm, Dropout ----
        Add("Pow", PowGradients.Pow);
        Add("Sqrt", UnaryMathGradients.Sqrt);
        Add("Reciprocal", UnaryMathGradients.Reciprocal);
        Add("Exp", UnaryMathGradients.Exp);
        Add("Log", UnaryMathGradients.Log);
        Add("Abs", UnaryMathGradients.Abs);
        Add("Erf", UnaryMathGradients.Erf);
        Add("Tanh", ActivationGradients.Tanh);
        Add("Sigmoid", ActivationGradients.Sigmoid);
        Add("Relu", ActivationGradients.Relu);
        Add("LeakyRelu", ActivationGradients.LeakyRelu);
        Add("Elu", ActivationGradients.Elu);
        Add("Softplus", ActivationGradients.Softplus);
        Add("Gelu", GeluGradients.Gelu);
        Add("Max", MinMaxGradients.Max);
        Add("Min", MinMaxGradients.Min);
        Add("Clip", ClipGradients.Clip);
        Add("Sum", VariadicSumGradients.Sum);
        Add("Mean", VariadicSumGradients.Mean);
        Add("Cast", CastGradients.Cast);
        Add("Softmax", SoftmaxGradients.Softmax);
        Add("LogSoftmax", SoftmaxGradients.LogSoftmax);
        Add("LayerNormalization", LayerNormGradients.LayerNormalization);
        Add("SimplifiedLayerNormalization", LayerNormGradients.SimplifiedLayerNormalization);
        Add("Gemm", GemmGradients.Gemm);
        Add("Dropout", DropoutGradients.Dropout);
        Add("SoftmaxCrossEntropyLoss", SoftmaxCrossEntropyLossGradients.SoftmaxCrossEntropyLoss);
        Add("FusedMatMul", FusedMatMulGradients.FusedMatMul, "com.microsoft");
        Add("Gelu", GeluGradients.ContribGelu, "com.microsoft");
        Add("BiasGelu", GeluGradients.BiasGelu, "com.microsoft");
        Add("FastGelu", GeluGradients.FastGelu, "com.microsoft");
        Add("QuickGelu", GeluGradients.QuickGelu, "com.microsoft");
        Add("SkipLayerNormalization", SkipLayerNormGradients.SkipLayerNormalization, "com.microsoft");
        Add("SkipSimplifiedLayerNormalization", SkipLayerNormGradients.SkipSimplifiedLayerNormalization, "com.microsoft");
        // (end of element-wise section)

        // ---- data movement: reshape/transpose/slice/concat/split/gather/scatter/where ----
        Add("Reshape", ReshapeGradients.ToInputShape);
        Add("Flatten", ReshapeGradients.ToInputShape);
        Add("Squeeze", ReshapeGradients.ToInputShape);
        Add("Unsqueeze", ReshapeGradients.ToInputShape);
        Add("Transpose", TransposeGradients.Transpose);
        Add("Expand", ExpandTileGradients.Expand);
        Add("Tile", ExpandTileGradients.Tile);
        Add("Concat", ConcatSplitGradients.Concat);
        Add("Split", ConcatSplitGradients.Split);
        Add("Slice", SliceGradients.Slice);
        Add("Pad", PadGradients.Pad);
        Add("Gather", GatherGradients.Gather);
        Add("GatherElements", GatherGradients.GatherElements);
        Add("GatherND", GatherGradients.GatherND);
        Add("ScatterND", ScatterGradients.ScatterND);
        Add("ScatterElements", ScatterGradients.ScatterElements);
        Add("Where", WhereGradients.Where);
        // (end of data-movement section)
        return t;
    }
}

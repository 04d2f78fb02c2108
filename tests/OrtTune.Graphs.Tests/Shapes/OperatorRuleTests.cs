using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>Single-operator rules, mostly with negative axes.</summary>
[TestClass]
public sealed class OperatorRuleTests
{
    [TestMethod]
    public void Negative_axes_count_from_the_end()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", "seq", 32);
        var concat = g.Op("Concat", [x, x], Attribute.Of("axis", -1L));
        var gather = g.Op("Gather", [x, g.Ints(0, 2, 4)], Attribute.Of("axis", -1L));
        var argmax = g.Op("ArgMax", [x], Attribute.Of("axis", -1L), Attribute.Of("keepdims", 0L));
        var topk = g.Ops("TopK", 2, [x, g.Ints(5)], "", Attribute.Of("axis", -2L));
        var flat = g.Op("Flatten", [x], Attribute.Of("axis", -1L));
        var onehot = g.Op("OneHot", [g.Input("ids", DataType.Int64, "batch"), g.Int(10), g.Const(Tensor.Vector(0f, 1f))], Attribute.Of("axis", -1L));
        var cumsum = g.Op("CumSum", [x, g.Int(-1)]);
        var softmax = g.Op("LogSoftmax", [x], Attribute.Of("axis", -1L));

        g.Infer();

        HasShape(concat, "batch", "seq", 64);
        HasShape(gather, "batch", "seq", 3);
        HasType(argmax, DataType.Int64, "batch", "seq");
        HasShape(topk[0]!, "batch", 5, 32);
        HasType(topk[1]!, DataType.Int64, "batch", 5, 32);
        HasShape(flat, null, 32);
        HasType(onehot, DataType.Float, "batch", 10);
        HasShape(cumsum, "batch", "seq", 32);
        HasShape(softmax, "batch", "seq", 32);
    }

    [TestMethod]
    public void Gather_family()
    {
        var g = new TestGraph();
        var table = g.Input("table", DataType.Float, 100, 32);
        var ids = g.Input("ids", DataType.Int64, "batch", "seq");
        var embedded = g.Op("Gather", [table, ids]);
        var scalar = g.Op("Gather", [table, g.Int(3)]);
        var elements = g.Op("GatherElements", [table, g.Input("idx", DataType.Int64, 5, 32)]);
        var nd = g.Op("GatherND", [g.Input("data", DataType.Float, 2, 3, 4), g.Input("nd_idx", DataType.Int64, 2, 1, 2)],
            Attribute.Of("batch_dims", 0L));

        g.Infer();

        HasShape(embedded, "batch", "seq", 32);
        HasShape(scalar, 32);
        HasShape(elements, 5, 32);
        HasShape(nd, 2, 1, 4);
    }

    [TestMethod]
    public void Layout_ops()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", "seq", 4, 8);
        var transposed = g.Op("Transpose", [x], Attribute.Of("perm", new long[] { 0, 2, 1, 3 }));
        var reversed = g.Op("Transpose", [x]);
        var tiled = g.Op("Tile", [x, g.Ints(1, 2, 3, 1)]);
        var expanded = g.Op("Expand", [g.Input("m", DataType.Float, 1, 1, "seq", 1), g.Ints(2, 4, 1, 5)]);
        var padded = g.Op("Pad", [x, g.Ints(0, 0, 1, 0, 0, 0, 1, 2)]);
        var scattered = g.Op("ScatterND", [x, g.Input("i", DataType.Int64, 3, 1), g.Input("u", DataType.Float, 3, "seq", 4, 8)]);
        var trilu = g.Op("Trilu", [g.Input("sq", DataType.Float, "seq", "seq")]);

        g.Infer();

        HasShape(transposed, "batch", 4, "seq", 8);
        HasShape(reversed, 8, 4, "seq", "batch");
        HasShape(tiled, "batch", null, 12, 8);
        HasShape(expanded, 2, 4, "seq", 5);
        HasShape(padded, "batch", "seq", 6, 10);
        HasShape(scattered, "batch", "seq", 4, 8);
        HasShape(trilu, "seq", "seq");
    }

    [TestMethod]
    public void Einsum_forms_torch_emits()
    {
        var g = new TestGraph();
        var q = g.Input("q", DataType.Float, "batch", 4, "seq", 8);
        var k = g.Input("k", DataType.Float, "batch", 4, "kv", 8);
        var scores = g.Op("Einsum", [q, k], Attribute.Of("equation", "bhqd,bhkd->bhqk"));
        var implicitForm = g.Op("Einsum", [g.Input("a", DataType.Float, 3, 5), g.Input("b", DataType.Float, 5, 7)], Attribute.Of("equation", "ij,jk"));
        var ellipsis = g.Op("Einsum", [g.Input("c", DataType.Float, "batch", 2, 3, 5), g.Input("d", DataType.Float, 5, 7)],
            Attribute.Of("equation", "...ij,jk->...ik"));
        var outer = g.Op("Einsum", [g.Input("t", DataType.Float, "seq"), g.Input("f", DataType.Float, 16)], Attribute.Of("equation", "i,j->ij"));

        g.Infer();

        HasShape(scores, "batch", 4, "seq", "kv");
        HasShape(implicitForm, 3, 7);
        HasShape(ellipsis, "batch", 2, 3, 7);
        HasShape(outer, "seq", 16);
    }

    [TestMethod]
    public void Cast_family_and_constants()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Int64, "batch", "seq");
        var asFloat = g.Op("Cast", [x], Attribute.Of("to", (long)DataType.Float));
        var like = g.Op("CastLike", [x, g.Input("h", DataType.Float16, 1)]);
        var filled = g.Op("ConstantOfShape", [g.Op("Shape", [x])]);
        var ints = g.Op("Constant", [], Attribute.Of("value_ints", new long[] { 1, 2, 3 }));

        g.Infer();

        HasType(asFloat, DataType.Float, "batch", "seq");
        HasType(like, DataType.Float16, "batch", "seq");
        HasType(filled, DataType.Float, "batch", "seq");
        HasType(ints, DataType.Int64, 3);
    }

    [TestMethod]
    public void Losses()
    {
        var g = new TestGraph();
        var scores = g.Input("scores", DataType.Float, "n", 10, "seq");
        var labels = g.Input("labels", DataType.Int64, "n", "seq");
        var mean = g.Ops("SoftmaxCrossEntropyLoss", 2, [scores, labels]);
        var none = g.Op("NegativeLogLikelihoodLoss", [scores, labels], Attribute.Of("reduction", "none"));

        g.Infer();

        HasShape(mean[0]!);
        HasShape(mean[1]!, "n", 10, "seq");
        HasShape(none, "n", "seq");
    }

    [TestMethod]
    public void Every_listed_operator_has_a_rule()
    {
        string[] required =
        [
            "Shape", "Size", "Gather", "GatherElements", "GatherND", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Expand",
            "Range", "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Not", "Xor", "Cast",
            "CastLike", "ConstantOfShape", "Constant", "Identity", "Slice", "Split", "Transpose", "Trilu", "CumSum", "Tile",
            "Flatten", "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Neg", "Abs", "Sqrt", "Reciprocal", "Exp",
            "Log", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu", "Gelu", "Softplus", "Sin", "Cos", "Floor", "Ceil",
            "Round", "Max", "Min", "Sum", "Mean", "Clip", "HardSigmoid", "Softmax", "LogSoftmax", "LayerNormalization",
            "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare",
            "ArgMax", "ArgMin", "Dropout", "TopK", "OneHot", "ScatterND", "ScatterElements", "NonZero", "Einsum", "If", "Loop",
            "Scan", "SimplifiedLayerNormalization",
        ];
        string[] contrib =
        [
            "FusedMatMul", "SkipLayerNormalization", "SkipSimplifiedLayerNormalization", "SimplifiedLayerNormalization",
            "BiasGelu", "FastGelu", "Gelu", "QuickGelu", "BiasAdd", "Attention", "MultiHeadAttention", "RotaryEmbedding",
            "GroupQueryAttention", "EmbedLayerNormalization",
        ];
        foreach (var op in required) Assert.IsNotNull(ShapeRules.Find("", op), op);
        foreach (var op in contrib) Assert.IsNotNull(ShapeRules.Find("com.microsoft", op), op);
        Assert.IsNotNull(ShapeRules.Find("ai.onnx", "Add"), "ai.onnx is the default domain");
    }
}

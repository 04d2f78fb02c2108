using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>ONNX Runtime contrib ops (com.microsoft) that optimised transformer graphs contain.</summary>
[TestClass]
public sealed class ContribOpTests
{
    [TestMethod]
    public void FusedMatMul_applies_its_transposes()
    {
        var g = new TestGraph();
        var plain = g.MsOp("FusedMatMul", [g.Input("a", DataType.Float, "batch", 3, 4), g.Input("b", DataType.Float, 5, 4)],
            Attribute.Of("transB", 1L));
        var transA = g.MsOp("FusedMatMul", [g.Input("c", DataType.Float, 4, 3), g.Input("d", DataType.Float, 4, 5)],
            Attribute.Of("transA", 1L));
        // transBatchA: A [M=3, B=2, K=4] is read as [2, 3, 4].
        var batch = g.MsOp("FusedMatMul", [g.Input("e", DataType.Float, 3, 2, 4), g.Input("f", DataType.Float, 2, 4, 5)],
            Attribute.Of("transBatchA", 1L));

        g.Infer();

        HasShape(plain, "batch", 3, 5);
        HasShape(transA, 3, 5);
        HasShape(batch, 2, 3, 5);
    }

    [TestMethod]
    public void Layer_norm_family_outputs()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float16, "batch", "seq", 32);
        var gamma = g.Input("gamma", DataType.Float16, 32);
        var skip = g.Ops("SkipLayerNormalization", 4, [x, x, gamma, gamma], "com.microsoft");
        var simplified = g.Ops("SimplifiedLayerNormalization", 2, [x, gamma], "", Attribute.Of("axis", -1L));
        var msSimplified = g.Ops("SimplifiedLayerNormalization", 2, [x, gamma], "com.microsoft");
        var ln = g.Ops("LayerNormalization", 3, [x, gamma, gamma], "", Attribute.Of("axis", -2L));

        g.Infer();

        HasType(skip[0]!, DataType.Float16, "batch", "seq", 32);
        HasType(skip[1]!, DataType.Float, "batch", "seq", 1);
        HasType(skip[3]!, DataType.Float16, "batch", "seq", 32);
        HasType(simplified[1]!, DataType.Float, "batch", "seq", 1);
        HasType(msSimplified[0]!, DataType.Float16, "batch", "seq", 32);
        HasType(ln[0]!, DataType.Float16, "batch", "seq", 32);
        HasType(ln[2]!, DataType.Float, "batch", 1, 1);
    }

    [TestMethod]
    public void Gelu_variants_keep_the_input_shape()
    {
        var g = new TestGraph(20);
        var x = g.Input("x", DataType.Float, "batch", "seq", 64);
        var bias = g.Input("bias", DataType.Float, 64);
        Value[] outputs =
        [
            g.MsOp("BiasGelu", [x, bias]), g.MsOp("FastGelu", [x, bias]), g.MsOp("Gelu", [x]), g.MsOp("QuickGelu", [x]),
            g.MsOp("BiasAdd", [x, bias, x]), g.Op("Gelu", [x], Attribute.Of("approximate", "tanh")),
        ];

        g.Infer();

        foreach (var o in outputs) HasType(o, DataType.Float, "batch", "seq", 64);
    }

    [TestMethod]
    public void Attention_outputs_and_present()
    {
        var g = new TestGraph();
        var input = g.Input("input", DataType.Float, "batch", "seq", 32);
        var outputs = g.Ops("Attention", 2, [input, g.Input("w", DataType.Float, 32, 96), g.Input("b", DataType.Float, 96)],
            "com.microsoft", Attribute.Of("num_heads", 4L));

        g.Infer();

        HasShape(outputs[0]!, "batch", "seq", 32);
        HasShape(outputs[1]!, 2, "batch", 4, "seq", 8);
    }

    [TestMethod]
    public void MultiHeadAttention_with_past()
    {
        var g = new TestGraph();
        var q = g.Input("q", DataType.Float, "batch", "seq", 32);
        var k = g.Input("k", DataType.Float, "batch", "seq", 32);
        var v = g.Input("v", DataType.Float, "batch", "seq", 64);
        var pastK = g.Input("past_k", DataType.Float, "batch", 4, 10, 8);
        var pastV = g.Input("past_v", DataType.Float, "batch", 4, 10, 16);
        var outputs = g.Ops("MultiHeadAttention", 3, [q, k, v, null, null, null, pastK, pastV], "com.microsoft", Attribute.Of("num_heads", 4L));
        var noPast = g.Ops("MultiHeadAttention", 3, [q, g.Input("k2", DataType.Float, "batch", 12, 32), g.Input("v2", DataType.Float, "batch", 12, 32)],
            "com.microsoft", Attribute.Of("num_heads", 4L));

        g.Infer();

        HasShape(outputs[0]!, "batch", "seq", 64);
        HasShape(outputs[1]!, "batch", 4, null, 8);
        HasShape(outputs[2]!, "batch", 4, null, 16);
        HasShape(noPast[1]!, "batch", 4, 12, 8);
    }

    [TestMethod]
    public void GroupQueryAttention_present_follows_total_length()
    {
        var g = new TestGraph();
        var q = g.Input("q", DataType.Float16, "batch", "seq", 64);
        var kv = g.Input("kv", DataType.Float16, "batch", "seq", 32);
        var past = g.Input("past", DataType.Float16, "batch", 2, 128, 16);
        var seqlens = g.Input("seqlens_k", DataType.Int32, "batch");
        var total = g.Const(Tensor.Scalar(100));
        var outputs = g.Ops("GroupQueryAttention", 3, [q, kv, kv, past, past, seqlens, total], "com.microsoft",
            Attribute.Of("num_heads", 4L), Attribute.Of("kv_num_heads", 2L));

        g.Infer();

        HasType(outputs[0]!, DataType.Float16, "batch", "seq", 64);
        HasShape(outputs[1]!, "batch", 2, 128, 16);
    }

    [TestMethod]
    public void Rotary_and_embed_layer_norm()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, "batch", "seq", 64);
        var rotary = g.MsOp("RotaryEmbedding", [x, g.Input("pos", DataType.Int64, "batch", "seq"), g.Input("cos", DataType.Float, 128, 8), g.Input("sin", DataType.Float, 128, 8)]);
        var ids = g.Input("ids", DataType.Int32, "batch", "seq");
        var embed = g.Ops("EmbedLayerNormalization", 3,
            [ids, ids, g.Input("word", DataType.Float, 100, 32), g.Input("position", DataType.Float, 64, 32), g.Input("segment", DataType.Float, 2, 32),
             g.Input("gamma", DataType.Float, 32), g.Input("beta", DataType.Float, 32)], "com.microsoft");

        g.Infer();

        HasShape(rotary, "batch", "seq", 64);
        HasType(embed[0]!, DataType.Float, "batch", "seq", 32);
        HasType(embed[1]!, DataType.Int32, "batch");
    }
}

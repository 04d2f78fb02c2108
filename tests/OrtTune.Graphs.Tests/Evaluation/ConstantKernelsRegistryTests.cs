using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Evaluation;
using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ConstantKernelsRegistryTests
{
    [TestMethod]
    public void Lookup_is_by_domain_and_op_type()
    {
        Assert.IsTrue(ConstantKernels.Supports(MakeNode("Reshape", [null, null], 1)));
        Assert.IsTrue(ConstantKernels.Supports(new Node("ai.onnx", "Shape", [new Value("x")], ["y"])));
        Assert.IsFalse(ConstantKernels.Supports(new Node("com.microsoft", "Shape", [new Value("x")], ["y"])));
        Assert.IsFalse(ConstantKernels.Supports(MakeNode("Conv", [null], 1)));
        Assert.IsTrue(ConstantKernels.TryGet(MakeNode("Add", [null, null], 1), out var kernel));
        var sum = kernel(MakeNode("Add", [Tensor.Scalar(1L), Tensor.Scalar(2L)], 1), [Tensor.Scalar(1L), Tensor.Scalar(2L)]);
        Assert.AreEqual(3L, sum[0]!.ToArray<long>()[0]);
        Assert.IsFalse(ConstantKernels.TryGet(MakeNode("LSTM", [], 1), out _));
    }

    [TestMethod]
    public void Evaluate_without_a_kernel_throws_UnsupportedOperatorException()
    {
        var node = new Node("com.microsoft", "FusedMatMul", [new Value("a"), new Value("b")], ["y"], name: "fused");
        var e = Assert.ThrowsExactly<UnsupportedOperatorException>(() => ConstantKernels.Evaluate(node, [Tensor.Scalar(1f), Tensor.Scalar(1f)]));
        Assert.AreEqual("FusedMatMul", e.OpType);
        Assert.AreEqual("fused", e.NodeName);
        StringAssert.Contains(e.Message, "constant evaluation");
    }

    [TestMethod]
    public void Missing_or_non_constant_inputs_are_reported_with_the_node()
    {
        var node = MakeNode("Add", [Tensor.Scalar(1f), Tensor.Scalar(1f)], 1);
        var e = Assert.ThrowsExactly<OrtTuneException>(() => ConstantKernels.Evaluate(node, [Tensor.Scalar(1f), null]));
        StringAssert.Contains(e.Message, "Add_node");
        StringAssert.Contains(e.Message, "no constant value");
        StringAssert.Contains(Fails("Add", [Tensor.Scalar(1f), Tensor.Scalar(1f), Tensor.Scalar(1f)]).Message, "at most 2 inputs");
    }

    [TestMethod]
    public void Results_follow_the_node_outputs()
    {
        var x = Tensor.Vector(1f, 2f, 3f, 4f, 5f, 6f);
        var node = new Node("", "Split", [new Value("x")], ["a", "", "c"], name: "split");
        var parts = ConstantKernels.Evaluate(node, [x]);
        Assert.HasCount(3, parts);
        Assert.IsNull(parts[1]);
        Assert.AreEqual(2, parts[0]!.ElementCount);
        var twoOutputs = new Node("", "Add", [new Value("a"), new Value("b")], ["y", "z"], name: "add2");
        Assert.ThrowsExactly<OrtTuneException>(() => ConstantKernels.Evaluate(twoOutputs, [x, x]));
    }

    [TestMethod]
    public void Wrong_attribute_kinds_become_OrtTuneExceptions()
    {
        var e = Fails("Gather", [Tensor.Vector(1f), Tensor.Scalar(0L)], Attribute.Of("axis", 0.5f));
        Assert.IsInstanceOfType<InvalidOperationException>(e.InnerException);
    }

    [TestMethod]
    public void Shape_subgraph_chain_evaluates_to_a_reshape_target()
    {
        // Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write it for attention heads.
        var x = Tensor.FromArray(new float[2 * 5 * 12], 2, 5, 12);
        var shape = Eval("Shape", [x]);
        var batch = Eval("Unsqueeze", [Eval("Gather", [shape, Tensor.Scalar(0L)], Attribute.Of("axis", 0L)), Tensor.Vector(0L)]);
        var seq = Eval("Unsqueeze", [Eval("Gather", [shape, Tensor.Scalar(1L)], Attribute.Of("axis", 0L)), Tensor.Vector(0L)]);
        var target = Eval("Concat", [batch, seq, Tensor.Vector(3L, -1L)], Attribute.Of("axis", 0L));
        CollectionAssert.AreEqual(new long[] { 2, 5, 3, -1 }, target.ToArray<long>());
        CollectionAssert.AreEqual(new long[] { 2, 5, 3, 4 }, Eval("Reshape", [x, target]).Dims.ToArray());
    }
}

using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Evaluation;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

/// <summary>Runs a constant kernel and ONNX Runtime on the same one-node model and asserts that they agree.</summary>
internal static class KernelCheck
{
    /// <summary>A node named "{opType}_node" reading x0, x1, ... (null tensors become omitted inputs) and writing y0, y1, ...</summary>
    public static Node MakeNode(string opType, IReadOnlyList<Tensor?> inputs, int outputs, params Attribute[] attributes) =>
        new("", opType, inputs.Select((t, i) => t is null ? null : new Value($"x{i}")),
            Enumerable.Range(0, outputs).Select(i => $"y{i}"), attributes, name: $"{opType}_node");

    /// <summary>Evaluates a single-output op with the kernel, checks it against ONNX Runtime at <paramref name="opset"/>, returns the kernel's result.</summary>
    public static Tensor Ort(string opType, long opset, Tensor?[] inputs, params Attribute[] attributes) =>
        OrtMany(opType, opset, 1, inputs, attributes)[0]!;

    public static Tensor?[] OrtMany(string opType, long opset, int outputs, Tensor?[] inputs, params Attribute[] attributes)
    {
        var node = MakeNode(opType, inputs, outputs, attributes);
        var ours = ConstantKernels.Evaluate(node, inputs);
        Assert.HasCount(outputs, ours, "one result per node output");
        var types = ours.Select(t => t?.DataType ?? DataType.Undefined).ToArray();
        var reference = OnnxTestModels.Run(node, inputs, types, opset);
        for (int i = 0; i < outputs; i++)
            AssertMatches(reference[i]!, ours[i]!, $"{opType} output {i}");
        return ours;
    }

    /// <summary>Evaluates with the kernel only (no reference run).</summary>
    public static Tensor Eval(string opType, Tensor?[] inputs, params Attribute[] attributes) =>
        ConstantKernels.Evaluate(MakeNode(opType, inputs, 1, attributes), inputs)[0]!;

    /// <summary>Asserts that the kernel rejects the inputs with an OrtTuneException naming the node and op.</summary>
    public static OrtTuneException Fails(string opType, Tensor?[] inputs, params Attribute[] attributes)
    {
        var node = MakeNode(opType, inputs, 1, attributes);
        var e = Assert.ThrowsExactly<OrtTuneException>(() => ConstantKernels.Evaluate(node, inputs));
        Assert.Contains(opType, e.Message);
        Assert.Contains($"{opType}_node", e.Message);
        return e;
    }

    /// <summary>Same type and dims; integers, bools and strings equal; floats within 1e-6 relative (1e-3 for float16).</summary>
    public static void AssertMatches(Tensor expected, Tensor actual, string what)
    {
        Assert.AreEqual(expected.DataType, actual.DataType, $"{what}: element type");
        CollectionAssert.AreEqual(expected.Dims.ToArray(), actual.Dims.ToArray(),
            $"{what}: shape [{string.Join(",", actual.Dims)}] vs reference [{string.Join(",", expected.Dims)}]");
        switch (expected.DataType)
        {
            case DataType.Float:
                AssertClose(expected.ToArray<float>().Select(v => (double)v).ToArray(), actual.ToArray<float>().Select(v => (double)v).ToArray(), 1e-6, what);
                break;
            case DataType.Double:
                AssertClose(expected.ToArray<double>(), actual.ToArray<double>(), 1e-6, what);
                break;
            case DataType.Float16:
                AssertClose(expected.ToArray<Half>().Select(v => (double)v).ToArray(), actual.ToArray<Half>().Select(v => (double)v).ToArray(), 1e-3, what);
                break;
            case DataType.UInt64:
                CollectionAssert.AreEqual(expected.ToArray<ulong>(), actual.ToArray<ulong>(), what);
                break;
            case DataType.String:
                CollectionAssert.AreEqual(expected.Strings.Select(s => Convert.ToHexString(s)).ToArray(),
                    actual.Strings.Select(s => Convert.ToHexString(s)).ToArray(), what);
                break;
            default:
                CollectionAssert.AreEqual(expected.ToInt64Array(), actual.ToInt64Array(),
                    $"{what}: [{string.Join(",", actual.ToInt64Array())}] vs reference [{string.Join(",", expected.ToInt64Array())}]");
                break;
        }
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool same = (double.IsNaN(e) && double.IsNaN(a)) || e == a || Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e));
            Assert.IsTrue(same, $"{what}: element {i} is {a:R}, reference {e:R}");
        }
    }
}

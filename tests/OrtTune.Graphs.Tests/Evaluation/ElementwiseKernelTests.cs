using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class ElementwiseKernelTests
{
    private static readonly Tensor Floats = Tensor.FromArray(new[] { -2.5f, -1f, -0.5f, 0f, 0.25f, 0.5f, 1.5f, 2.5f, 3f, 7.75f }, 2, 5);
    private static readonly Tensor Positive = Tensor.FromArray(new[] { 0.01f, 0.5f, 1f, 2f, 3.5f, 10f, 100f, 1e-5f }, 8);

    [TestMethod]
    [DataRow("Add")]
    [DataRow("Sub")]
    [DataRow("Mul")]
    [DataRow("Div")]
    public void Arithmetic_broadcasts_both_ways(string op)
    {
        var a = Tensor.FromArray(new[] { 1f, 2f, 3f, -4f, 5f, 6.5f }, 2, 1, 3);
        var b = Tensor.FromArray(new[] { 0.5f, -2f, 3f, 7f }, 4, 1);
        var y = Ort(op, 14, [a, b]);
        CollectionAssert.AreEqual(new long[] { 2, 4, 3 }, y.Dims.ToArray());
        Ort(op, 14, [Tensor.FromArray(new long[] { 10, -20, 30, 40 }, 2, 2), Tensor.Scalar(3L)]);
        Ort(op, 14, [Tensor.Vector(7.5, -1.25), Tensor.FromArray(new[] { 2.0, 4.0, 8.0, -0.5 }, 2, 2)]);
        Ort(op, 14, [Tensor.Vector(9, -8, 7), Tensor.Vector(2)]);
    }

    [TestMethod]
    public void Add_of_the_typical_shape_arithmetic()
    {
        var y = Ort("Mul", 14, [Tensor.Vector(12L), Tensor.Vector(64L)]);
        Assert.AreEqual(768L, y.ToArray<long>()[0]);
    }

    [TestMethod]
    public void Integer_division_truncates_toward_zero()
    {
        var y = Ort("Div", 14, [Tensor.Vector(7, -7, 7, -7, 1, -1), Tensor.Vector(2, 2, -2, -2, 3, 3)]);
        CollectionAssert.AreEqual(new[] { 3, -3, -3, 3, 0, 0 }, y.ToArray<int>());
        var z = Ort("Div", 14, [Tensor.Vector(-9L, 9L, long.MaxValue), Tensor.Vector(4L, -4L, 2L)]);
        CollectionAssert.AreEqual(new[] { -2L, -2L, long.MaxValue / 2 }, z.ToArray<long>());
    }

    [TestMethod]
    public void Integer_division_by_zero_is_an_error()
    {
        StringAssert.Contains(Fails("Div", [Tensor.Vector(1L), Tensor.Vector(0L)]).Message, "division by zero");
        Fails("Mod", [Tensor.Vector(1L), Tensor.Vector(0L)]);
        Assert.IsTrue(float.IsPositiveInfinity(Eval("Div", [Tensor.Vector(1f), Tensor.Vector(0f)]).ToArray<float>()[0]));
    }

    [TestMethod]
    public void Mod_takes_the_divisor_sign_unless_fmod()
    {
        var a = Tensor.Vector(7L, -7L, 7L, -7L, 6L);
        var b = Tensor.Vector(3L, 3L, -3L, -3L, 3L);
        CollectionAssert.AreEqual(new[] { 1L, 2L, -2L, -1L, 0L }, Ort("Mod", 13, [a, b]).ToArray<long>());
        CollectionAssert.AreEqual(new[] { 1L, -1L, 1L, -1L, 0L }, Ort("Mod", 13, [a, b], Attribute.Of("fmod", 1L)).ToArray<long>());
        Ort("Mod", 13, [Tensor.Vector(5.5f, -5.5f, 5.5f), Tensor.Vector(2f, 2f, -2f)], Attribute.Of("fmod", 1L));
        Ort("Mod", 13, [Tensor.Vector(-13, 13), Tensor.Scalar(5)]);
        StringAssert.Contains(Fails("Mod", [Tensor.Vector(5.5f), Tensor.Vector(2f)]).Message, "fmod");
    }

    [TestMethod]
    public void Pow_with_float_and_integer_exponents()
    {
        Ort("Pow", 15, [Positive, Tensor.Scalar(0.5f)]);
        Ort("Pow", 15, [Floats, Tensor.Scalar(2L)]);
        Ort("Pow", 15, [Floats, Tensor.Scalar(3)]);
        var y = Ort("Pow", 15, [Tensor.Vector(2L, 3L, -2L), Tensor.Vector(10L, 3L, 3L)]);
        CollectionAssert.AreEqual(new[] { 1024L, 27L, -8L }, y.ToArray<long>());
        Ort("Pow", 15, [Tensor.Vector(2.0, 9.0), Tensor.Vector(-1.0, 0.5)]);
    }

    [TestMethod]
    [DataRow("Exp")]
    [DataRow("Erf")]
    [DataRow("Tanh")]
    [DataRow("Sigmoid")]
    [DataRow("Cos")]
    [DataRow("Sin")]
    [DataRow("Floor")]
    [DataRow("Ceil")]
    [DataRow("Round")]
    [DataRow("Neg")]
    [DataRow("Abs")]
    [DataRow("Relu")]
    [DataRow("Sign")]
    public void Unary_float_functions(string op)
    {
        Ort(op, 13, [Floats]);
        if (op != "Erf") // ONNX Runtime has Erf for float only
            Ort(op, 13, [Tensor.Vector(-3.5, -0.75, 0.0, 0.3, 1.0, 2.5, 5.0)]);
    }

    [TestMethod]
    [DataRow("Sqrt")]
    [DataRow("Log")]
    [DataRow("Reciprocal")]
    public void Unary_functions_of_positive_values(string op)
    {
        Ort(op, 13, [Positive]);
        Ort(op, 13, [Tensor.Vector(0.001, 0.5, 4.0, 1e6)]);
    }

    [TestMethod]
    public void Erf_is_accurate_across_its_range()
    {
        // Reference values of erf to 16 digits.
        var x = Tensor.Vector(0.0, 0.1, 0.5, 1.0, 2.0, 3.5, -1.5, 5.9, 7.0);
        var expected = new[] { 0.0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
            0.9999992569016276, -0.9661051464753108, 0.9999999999999998, 1.0 };
        var y = Eval("Erf", [x]).ToArray<double>();
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], y[i], 1e-15, $"erf({x.ToArray<double>()[i]})");
    }

    [TestMethod]
    [DataRow("Neg")]
    [DataRow("Abs")]
    [DataRow("Sign")]
    public void Unary_integer_functions(string op)
    {
        Ort(op, 14, [Tensor.Vector(-5, -1, 0, 3, int.MaxValue)]);
        Ort(op, 14, [Tensor.Vector(-5L, 0L, 9L)]);
    }

    [TestMethod]
    public void Relu_and_Abs_of_integers()
    {
        // ONNX Runtime's CPU Relu has no integer kernels, so these are checked by value.
        CollectionAssert.AreEqual(new[] { 0, 0, 3 }, Eval("Relu", [Tensor.Vector(-5, 0, 3)]).ToArray<int>());
        CollectionAssert.AreEqual(new[] { int.MinValue, 5 }, Eval("Abs", [Tensor.Vector(int.MinValue, -5)]).ToArray<int>());
    }

    [TestMethod]
    public void Max_Min_Sum_Mean_take_many_broadcast_inputs()
    {
        var a = Tensor.FromArray(new[] { 1f, 5f, -3f, 2f, 0f, 9f }, 2, 3);
        var b = Tensor.Vector(2f, 2f, 2f);
        var c = Tensor.Scalar(-1f);
        foreach (var op in new[] { "Max", "Min", "Sum", "Mean" }) Ort(op, 13, [a, b, c]);
        CollectionAssert.AreEqual(new[] { 2f, 5f, 2f, 2f, 2f, 9f }, Ort("Max", 13, [a, b, c]).ToArray<float>());
        Ort("Max", 13, [Tensor.Vector(1L, 9L), Tensor.Vector(4L, 2L)]);
        Ort("Min", 13, [Tensor.Vector(3L, -8L)]);
    }

    [TestMethod]
    public void Clip_with_inputs_and_with_attributes()
    {
        Ort("Clip", 13, [Floats, Tensor.Scalar(-1f), Tensor.Scalar(2f)]);
        var y = Ort("Clip", 13, [Floats, null, Tensor.Scalar(0.5f)]);
        Assert.AreEqual(-2.5f, y.ToArray<float>()[0]);
        Ort("Clip", 13, [Tensor.Vector(-5L, 0L, 5L), Tensor.Scalar(-2L)]);
        Ort("Clip", 6, [Floats], Attribute.Of("min", -0.75f), Attribute.Of("max", 1f));
    }

    [TestMethod]
    public void Float16_arithmetic_rounds_like_onnx_runtime()
    {
        var a = Tensor.Vector((Half)1.5f, (Half)(-2.25f), (Half)1000f);
        var b = Tensor.Vector((Half)0.1f, (Half)3f, (Half)0.3f);
        Ort("Add", 14, [a, b]);
        Ort("Mul", 14, [a, b]);
        var y = Eval("Div", [a, b]).ToArray<Half>();
        Assert.AreEqual((Half)(1.5f / (float)(Half)0.1f), y[0]);
    }

    [TestMethod]
    public void Mixed_element_types_and_bad_shapes_are_errors()
    {
        StringAssert.Contains(Fails("Add", [Tensor.Vector(1f), Tensor.Vector(1L)]).Message, "one element type");
        StringAssert.Contains(Fails("Add", [Tensor.Vector(1f, 2f), Tensor.Vector(1f, 2f, 3f)]).Message, "broadcast");
        Fails("Sqrt", [Tensor.Vector(4L)]);
        Fails("Add", [Tensor.Vector(1f)]);
    }
}

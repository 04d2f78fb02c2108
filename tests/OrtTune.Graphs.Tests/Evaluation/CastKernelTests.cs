using OrtTune.Graphs.IR;
using static OrtTune.Graphs.Tests.Evaluation.KernelCheck;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Tests.Evaluation;

[TestClass]
public sealed class CastKernelTests
{
    private static Attribute To(DataType type) => Attribute.Of("to", (long)type);

    private static readonly Tensor Floats = Tensor.Vector(1.7f, -1.7f, 2.5f, -0.5f, 100.9f, 0f, -99.99f);

    [TestMethod]
    [DataRow(DataType.Int32)]
    [DataRow(DataType.Int64)]
    [DataRow(DataType.Int8)]
    [DataRow(DataType.Int16)]
    public void Float_to_integer_truncates_toward_zero(DataType to)
    {
        var y = Ort("Cast", 13, [Floats], To(to));
        CollectionAssert.AreEqual(new long[] { 1, -1, 2, 0, 100, 0, -99 }, y.ToInt64Array());
        Ort("Cast", 13, [Tensor.Vector(3.99, -3.99, 1e9)], To(to == DataType.Int64 ? DataType.Int64 : DataType.Int32));
    }

    [TestMethod]
    public void Float_to_unsigned_truncates()
    {
        var y = Ort("Cast", 13, [Tensor.Vector(0.9f, 1.1f, 254.7f)], To(DataType.UInt8));
        CollectionAssert.AreEqual(new byte[] { 0, 1, 254 }, y.ToArray<byte>());
        Ort("Cast", 13, [Tensor.Vector(0.9f, 70000.5f)], To(DataType.UInt32));
    }

    [TestMethod]
    public void Integer_narrowing_wraps()
    {
        var y = Ort("Cast", 13, [Tensor.Vector((1L << 32) + 5, -1L, long.MaxValue)], To(DataType.Int32));
        CollectionAssert.AreEqual(new[] { 5, -1, -1 }, y.ToArray<int>());
        Ort("Cast", 13, [Tensor.Vector(300, -129, 127)], To(DataType.Int8));
        Ort("Cast", 13, [Tensor.Vector(-1, 256)], To(DataType.UInt8));
        Ort("Cast", 13, [Tensor.Vector(-1L, 5L)], To(DataType.UInt64));
    }

    [TestMethod]
    public void Integer_to_float_and_double()
    {
        Ort("Cast", 13, [Tensor.Vector(16777217L, -3L, long.MaxValue)], To(DataType.Float));
        Ort("Cast", 13, [Tensor.Vector(7, -8)], To(DataType.Double));
        Ort("Cast", 13, [Tensor.Vector(1.0000001, -2.5e40)], To(DataType.Float));
    }

    [TestMethod]
    public void Bool_casts_are_zero_versus_nonzero()
    {
        var y = Ort("Cast", 13, [Tensor.Vector(0f, -0f, 0.1f, float.NaN, -3f)], To(DataType.Bool));
        CollectionAssert.AreEqual(new byte[] { 0, 0, 1, 1, 1 }, y.ToArray<byte>());
        Ort("Cast", 13, [Tensor.Vector(0L, 7L)], To(DataType.Bool));
        CollectionAssert.AreEqual(new[] { 1f, 0f }, Ort("Cast", 13, [Tensor.Vector(true, false)], To(DataType.Float)).ToArray<float>());
        Ort("Cast", 13, [Tensor.Vector(true, false)], To(DataType.Int64));
    }

    [TestMethod]
    public void Float16_round_trips()
    {
        var half = Ort("Cast", 13, [Tensor.Vector(0.1f, 65504f, 1e-8f, -2.71828f, 70000f)], To(DataType.Float16));
        Ort("Cast", 13, [half], To(DataType.Float));
        Ort("Cast", 13, [Tensor.Vector(0.1, 3.14159265358979)], To(DataType.Float16));
        Ort("Cast", 13, [Tensor.Vector((Half)2.75f, (Half)(-2.75f))], To(DataType.Int32));
    }

    [TestMethod]
    public void CastLike_takes_the_type_of_its_second_input()
    {
        var y = Ort("CastLike", 15, [Tensor.Vector(2.9f, -2.9f), Tensor.Vector(0L)]);
        CollectionAssert.AreEqual(new[] { 2L, -2L }, y.ToArray<long>());
    }

    [TestMethod]
    public void Cast_needs_a_target_and_a_supported_type()
    {
        Fails("Cast", [Floats]);
        Fails("Cast", [Floats], To(DataType.String));
        Fails("Cast", [Floats], To(DataType.BFloat16));
    }
}

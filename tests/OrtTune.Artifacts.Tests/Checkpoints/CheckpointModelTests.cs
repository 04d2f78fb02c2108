using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>The data model: tensors, property bag, element types.</summary>
[TestClass]
public sealed class CheckpointModelTests
{
    [TestMethod]
    public void RawDataMustMatchTheShape()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.FromRawData("w", TensorElementType.Float, [2, 3], new byte[20]));
        Assert.Contains("needs 24 bytes of data, got 20", e.Message);
    }

    [TestMethod]
    public void BadShapesAndNamesAreRefused()
    {
        Assert.Contains("negative dim", Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.FromValues<float>("w", [-1], [])).Message);
        Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.FromValues<float>("", [1], [1f]));
        Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.WithoutData("w", TensorElementType.Undefined, [1]));
        Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.FromRawData("w", TensorElementType.String, [1], new byte[1]));
        Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.FromStrings("s", [2], ["only one"]));
        Assert.ThrowsExactly<ArgumentException>(() => NamedTensor.WithoutData("w", TensorElementType.Float, [long.MaxValue, 2]));
    }

    [TestMethod]
    public void TypedAccessChecksTheType()
    {
        var t = NamedTensor.FromValues<int>("i", [2], [1, -2]);
        Assert.AreEqual(TensorElementType.Int32, t.ElementType);
        CollectionAssert.AreEqual(new[] { 1, -2 }, t.ToArray<int>());
        Assert.ThrowsExactly<InvalidOperationException>(() => t.ToArray<float>());
        Assert.ThrowsExactly<InvalidOperationException>(() => NamedTensor.WithoutData("n", TensorElementType.Float, [1]).ToArray<float>());
    }

    [TestMethod]
    public void DimsCannotBeChangedFromOutside()
    {
        var t = NamedTensor.FromValues<float>("w", [2], [1f, 2f]);
        t.GetDims()[0] = 5;
        Assert.AreEqual(2, t.Dims[0]);
        Assert.ThrowsExactly<NotSupportedException>(() => ((IList<long>)t.Dims)[0] = 5);
    }

    [TestMethod]
    public void DataPresence()
    {
        Assert.IsFalse(NamedTensor.WithoutData("w", TensorElementType.Float, [3]).HasData);
        Assert.IsTrue(NamedTensor.WithoutData("z", TensorElementType.Float, [0, 3]).HasData);
        Assert.IsTrue(NamedTensor.FromStrings("s", [0], []).HasData);
        Assert.IsFalse(NamedTensor.WithoutData("s", TensorElementType.String, [1]).HasData);
    }

    [TestMethod]
    [DataRow(TensorElementType.Float, 3, 12L)]
    [DataRow(TensorElementType.Complex128, 2, 32L)]
    [DataRow(TensorElementType.Int4, 3, 2L)]
    [DataRow(TensorElementType.UInt4, 4, 2L)]
    [DataRow(TensorElementType.Float8E5M2, 5, 5L)]
    [DataRow(TensorElementType.BFloat16, 5, 10L)]
    public void ByteCounts(TensorElementType type, long count, long bytes) => Assert.AreEqual(bytes, type.ByteCount(count));

    [TestMethod]
    public void StringsHaveNoByteCount() => Assert.IsNull(TensorElementType.String.ByteCount(3));

    [TestMethod]
    public void PropertyNamesAreUniqueAcrossKinds()
    {
        var bag = new CheckpointPropertyBag { { "a", 1L }, { "b", 2f } };
        Assert.ThrowsExactly<ArgumentException>(() => bag.Add("a", "text"));

        bag.Set(CheckpointProperty.String("a", "text"));
        Assert.AreEqual("text", bag.GetString("a"));
        CollectionAssert.AreEqual(new[] { "a", "b" }, bag.Select(p => p.Name).ToArray());
        Assert.ThrowsExactly<InvalidOperationException>(() => bag.GetInt64("a"));
        Assert.ThrowsExactly<KeyNotFoundException>(() => bag.GetFloat("c"));
        Assert.IsTrue(bag.Remove("a"));
        Assert.AreEqual(2f, bag.GetFloat("b"));
        Assert.HasCount(1, bag);
    }
}

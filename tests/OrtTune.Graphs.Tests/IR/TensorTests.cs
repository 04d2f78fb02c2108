using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Tests.IR;

[TestClass]
public sealed class TensorTests
{
    [TestMethod]
    public void Bool_tensors_are_one_byte_per_element_and_read_back()
    {
        var t = Tensor.FromArray([true, false, true], 3);
        Assert.AreEqual(3L, t.ByteLength);
        CollectionAssert.AreEqual(new[] { true, false, true }, t.ToArray<bool>());
        CollectionAssert.AreEqual(new[] { 1L, 0, 1 }, t.ToInt64Array());
    }

    [TestMethod]
    public void Viewing_data_as_a_type_of_another_size_is_refused()
    {
        var t = Tensor.Vector(1f, 2f);
        Assert.ThrowsExactly<InvalidOperationException>(() => t.ToArray<long>());
    }

    [TestMethod]
    public void Data_of_the_wrong_length_is_refused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => Tensor.FromRaw(DataType.Float, [2, 3], new byte[20]));
        Assert.Contains("24", e.Message);
    }

    [TestMethod]
    public void Folded_mark_is_metadata()
    {
        var t = Tensor.Vector(1f, 2f);
        Assert.IsFalse(t.IsFolded);
        t.MarkFolded();
        t.MarkFolded();
        Assert.IsTrue(t.IsFolded);
        Assert.AreEqual(1, t.Metadata.Count);
    }
}

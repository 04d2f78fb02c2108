using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Graphs;

namespace OrtTune.Pipeline.Tests.Graphs;

[TestClass]
public sealed class NodeSplitsTests
{
    [TestMethod]
    public void Random_state_matches_numpy()
    {
        // numpy: a = np.arange(10); np.random.RandomState(101).shuffle(a) → [8 2 0 4 9 3 5 7 6 1];
        //        np.random.RandomState(0).permutation(10) → [2 8 4 9 1 6 7 3 0 5].
        var a = Enumerable.Range(0, 10).ToArray();
        new NumpyRandomState(101).Shuffle(a);
        CollectionAssert.AreEqual(new[] { 8, 2, 0, 4, 9, 3, 5, 7, 6, 1 }, a);
        CollectionAssert.AreEqual(new[] { 2, 8, 4, 9, 1, 6, 7, 3, 0, 5 }, new NumpyRandomState(0).Permutation(10));
    }

    [TestMethod]
    public void CoraML_splits_are_the_reference_splits()
    {
        // tests/fixtures/gnn/splits_2995.npy: per split and node 0 = train, 1 = validation, 2 = test (make_fixtures.py).
        var codes = NpyFile.Read(Path.Combine(RepoPaths.Root, "tests", "fixtures", "gnn", "splits_2995.npy")).RawData.ToArray();
        var splits = NodeSplits.Generate(2995);
        Assert.HasCount(5, splits);
        foreach (var s in splits)
        {
            Assert.AreEqual(1916, s.Train.Length);
            Assert.AreEqual(480, s.Validation.Length);
            Assert.AreEqual(599, s.Test.Length);
            foreach (var (nodes, code) in new[] { (s.Train, 0), (s.Validation, 1), (s.Test, 2) })
                foreach (var node in nodes)
                    Assert.AreEqual(code, (sbyte)codes[s.Index * 2995 + node], $"split {s.Index} node {node}");
        }
    }
}

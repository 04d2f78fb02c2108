using OrtTune.Pipeline.Graphs;

namespace OrtTune.Pipeline.Tests.Graphs;

[TestClass]
public sealed class NpzGraphReaderTests
{
    private static string SharedGraph(string file)
    {
        var path = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data", "graphs", "npz", file));
        if (!File.Exists(path)) Assert.Inconclusive($"Skipped: needs {path} (the shared data folder beside the repository is absent).");
        return path;
    }

    private static string TempNpz(Dictionary<string, Array> arrays)
    {
        var path = Path.Combine(Path.GetTempPath(), $"orttune-gnn-{Guid.NewGuid():N}.npz");
        NpzWriter.Write(path, arrays);
        return path;
    }

    [TestMethod]
    public void Reads_CoraML_with_the_protocols_counts()
    {
        var graph = NpzGraphReader.Read(SharedGraph("cora_ml.npz"));
        Assert.AreEqual(2995, graph.NodeCount);
        Assert.AreEqual(2879, graph.FeatureCount);
        Assert.AreEqual(7, graph.ClassCount);
        // 16,316 directed edges once made undirected without self-loops, as PyG's CitationFull Cora_ML.
        Assert.AreEqual(16316, graph.EdgeCount);
        Assert.AreEqual(151171, graph.Features.Count(v => v != 0));
        var (row, _, _) = graph.SparseFeatures();
        Assert.AreEqual(151171, row.Length);

        var normalized = FeatureNormalization.RowSum(graph);
        for (int i = 0; i < 20; i++)
            Assert.AreEqual(1.0, normalized.Features.Skip(i * 2879).Take(2879).Sum(), 1e-4, $"row {i} of the normalised features");
    }

    [TestMethod]
    public void Reads_the_gnn_benchmark_spelling_with_int8_labels()
    {
        var graph = NpzGraphReader.Read(SharedGraph("cora_gnnbench.npz"));
        Assert.AreEqual(2708, graph.NodeCount);
        Assert.AreEqual(1433, graph.FeatureCount);
        Assert.AreEqual(7, graph.ClassCount);
    }

    [TestMethod]
    public void Small_graph_is_made_undirected()
    {
        var graph = NpzGraphReader.Read(TempNpz(NpzWriter.Small([0, 1, 0, 1])));
        CollectionAssert.AreEqual(new[] { 0, 1, 1, 2, 2, 3 }, graph.EdgeSource);
        CollectionAssert.AreEqual(new[] { 1, 0, 2, 1, 3, 2 }, graph.EdgeTarget);
        Assert.AreEqual(2, graph.ClassCount);
    }

    [TestMethod]
    public void Edge_index_out_of_range_is_named()
    {
        var path = TempNpz(NpzWriter.Small([0, 1, 0, 1], adjIndices: [1, 7, 3]));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NpzGraphReader.Read(path));
        StringAssert.Contains(e.Message, "adjacency entry (1, 7) is out of range");
        StringAssert.Contains(e.Message, "4 columns");
    }

    [TestMethod]
    public void Feature_and_label_counts_must_agree()
    {
        var path = TempNpz(NpzWriter.Small([0, 1, 0, 1], featureRows: 3));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NpzGraphReader.Read(path));
        StringAssert.Contains(e.Message, "3 feature rows but 4 labels");
    }

    [TestMethod]
    public void A_class_without_training_nodes_names_the_class_and_the_split()
    {
        // Class 2's only node (3) is a test node of this split.
        var graph = NpzGraphReader.Read(TempNpz(NpzWriter.Small([0, 1, 0, 2])));
        var split = new NodeSplit(3, Train: [0, 1, 2], Validation: [], Test: [3]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => NodeSplits.RequireEveryClassInTraining(graph, split));
        StringAssert.Contains(e.Message, "Split 3 has no training node of class 2");
        NodeSplits.RequireEveryClassInTraining(graph, split with { Train = [0, 1, 3] }); // class 2 present again: no error
    }
}

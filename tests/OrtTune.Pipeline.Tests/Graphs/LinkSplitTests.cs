using OrtTune.Pipeline.Graphs;

namespace OrtTune.Pipeline.Tests.Graphs;

[TestClass]
public sealed class LinkSplitTests
{
    [TestMethod]
    public void Roc_auc_counts_ordered_pairs_and_halves_ties()
    {
        Assert.AreEqual(1.0, LinkSplit.RocAuc([0.9f, 0.8f, 0.1f, 0.2f], [1, 1, 0, 0]));
        Assert.AreEqual(0.0, LinkSplit.RocAuc([0.1f, 0.2f, 0.9f, 0.8f], [1, 1, 0, 0]));
        // Positives 0.8, 0.4; negatives 0.6, 0.4: pairs (0.8>0.6) 1, (0.8>0.4) 1, (0.4<0.6) 0, (0.4=0.4) ½ → 2.5 / 4.
        Assert.AreEqual(0.625, LinkSplit.RocAuc([0.8f, 0.4f, 0.6f, 0.4f], [1, 1, 0, 0]), 1e-12);
    }

    [TestMethod]
    public void Split_keeps_held_out_edges_out_of_message_passing_and_samples_true_non_edges()
    {
        // An 8-node ring plus one chord: 9 undirected edges, 19 non-edges.
        int[] s = [0, 1, 2, 3, 4, 5, 6, 7, 0], t = [1, 2, 3, 4, 5, 6, 7, 0, 4];
        var graph = new GraphDataset
        {
            NodeCount = 8, FeatureCount = 1, ClassCount = 1, Features = new float[8], Labels = new int[8], ClassNames = ["0"],
            EdgeSource = [.. s, .. t], EdgeTarget = [.. t, .. s],
        };
        var split = LinkSplit.Generate(graph, 0, seed: 3);
        var edges = s.Zip(t).Select(p => (Math.Min(p.First, p.Second), Math.Max(p.First, p.Second))).ToHashSet();
        (int, int) Key(long a, long b) => ((int)Math.Min(a, b), (int)Math.Max(a, b));

        int testPositives = split.TestTarget.Count(v => v == 1), validationPositives = split.ValidationTarget.Count(v => v == 1);
        Assert.AreEqual(1, testPositives);       // ⌊0.2 · 9⌋
        Assert.AreEqual(1, validationPositives); // ⌊0.16 · 9⌋
        Assert.AreEqual(2 * 7, split.MessageEdges.Source.Length, "the 7 training edges, both directions");
        var message = split.MessageEdges.Source.Zip(split.MessageEdges.Target).Select(p => Key(p.First, p.Second)).ToHashSet();
        for (int i = 0; i < split.TestTarget.Length; i++)
        {
            var pair = Key(split.TestPairs.Source[i], split.TestPairs.Target[i]);
            Assert.IsFalse(message.Contains(pair), $"test pair {pair} carries messages");
            Assert.AreEqual(split.TestTarget[i] == 1, edges.Contains(pair), $"test pair {pair} labelled {split.TestTarget[i]}");
        }
        for (int i = 0; i < split.TrainTarget.Length; i++)
            Assert.AreEqual(split.TrainTarget[i] == 1, edges.Contains(Key(split.TrainPairs.Source[i], split.TrainPairs.Target[i])));
        Assert.AreEqual(split.TrainTarget.Count(v => v == 1), split.TrainTarget.Count(v => v == 0), "one sampled non-edge per edge");
    }

    [TestMethod]
    public void Too_dense_a_graph_is_refused_instead_of_sampling_forever()
    {
        int[] s = [0, 0, 1], t = [1, 2, 2]; // a triangle: no non-edge at all
        var graph = new GraphDataset
        {
            NodeCount = 3, FeatureCount = 1, ClassCount = 1, Features = new float[3], Labels = new int[3], ClassNames = ["0"],
            EdgeSource = [.. s, .. t], EdgeTarget = [.. t, .. s],
        };
        var e = Assert.ThrowsExactly<InvalidDataException>(() => LinkSplit.Generate(graph, 0, seed: 1));
        StringAssert.Contains(e.Message, "too dense");
    }
}

namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// An edge split for link prediction, as the protocol's RandomLinkSplit(num_val=0.16, num_test=0.2,
/// neg_sampling_ratio=1.0): the undirected edges are shuffled, 20 % become test and 16 % validation positives, the
/// rest train (and alone carry messages, both directions); each part gets as many sampled non-edges as positives.
/// Pairs list positives first, then negatives; <see cref="TrainTarget"/> etc. hold 1 / 0 per pair.
/// </summary>
public sealed record LinkSplit(int Index, (long[] Source, long[] Target) MessageEdges,
    (long[] Source, long[] Target) TrainPairs, float[] TrainTarget,
    (long[] Source, long[] Target) ValidationPairs, float[] ValidationTarget,
    (long[] Source, long[] Target) TestPairs, float[] TestTarget)
{
    public static LinkSplit Generate(GraphDataset graph, int index, int seed, double validation = 0.16, double test = 0.2)
    {
        var random = new Random(seed);
        var edges = new List<(int, int)>();
        var present = new HashSet<long>();
        for (int e = 0; e < graph.EdgeCount; e++)
        {
            int s = graph.EdgeSource[e], t = graph.EdgeTarget[e];
            present.Add(((long)s << 32) | (uint)t);
            if (s < t) edges.Add((s, t));
        }
        var shuffled = edges.OrderBy(_ => random.Next()).ToList();
        int testCount = (int)Math.Floor(test * shuffled.Count), validationCount = (int)Math.Floor(validation * shuffled.Count);
        var testPos = shuffled.Take(testCount).ToList();
        var validationPos = shuffled.Skip(testCount).Take(validationCount).ToList();
        var trainPos = shuffled.Skip(testCount + validationCount).ToList();

        long nonEdges = (long)graph.NodeCount * (graph.NodeCount - 1) / 2 - edges.Count;
        if (nonEdges < edges.Count)
            throw new InvalidDataException(
                $"The graph has {edges.Count} edges but only {nonEdges} node pairs without one: too dense to sample a non-edge for every edge.");
        var used = new HashSet<long>();
        List<(int, int)> Negatives(int count)
        {
            var list = new List<(int, int)>(count);
            while (list.Count < count)
            {
                int s = random.Next(graph.NodeCount), t = random.Next(graph.NodeCount);
                if (s == t || present.Contains(((long)s << 32) | (uint)t)) continue;
                if (!used.Add(((long)Math.Min(s, t) << 32) | (uint)Math.Max(s, t))) continue;
                list.Add((s, t));
            }
            return list;
        }
        ((long[], long[]), float[]) Pairs(List<(int, int)> positives)
        {
            var all = positives.Concat(Negatives(positives.Count)).ToList();
            var target = all.Select((_, i) => i < positives.Count ? 1f : 0f).ToArray();
            return ((all.Select(p => (long)p.Item1).ToArray(), all.Select(p => (long)p.Item2).ToArray()), target);
        }
        var message = (trainPos.SelectMany(p => new long[] { p.Item1, p.Item2 }).ToArray(), trainPos.SelectMany(p => new long[] { p.Item2, p.Item1 }).ToArray());
        var (train, trainTarget) = Pairs(trainPos);
        var (val, valTarget) = Pairs(validationPos);
        var (tst, testTarget) = Pairs(testPos);
        return new LinkSplit(index, message, train, trainTarget, val, valTarget, tst, testTarget);
    }

    /// <summary>Area under the ROC curve of <paramref name="scores"/> against 1/0 <paramref name="target"/> (ties count half).</summary>
    public static double RocAuc(IReadOnlyList<float> scores, IReadOnlyList<float> target)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        long positives = 0;
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // average rank of the tie group
            for (int k = i; k <= j; k++)
                if (target[order[k]] > 0.5f) { rankSum += rank; positives++; }
            i = j + 1;
        }
        long negatives = scores.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("ROC-AUC needs both positive and negative pairs.");
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}

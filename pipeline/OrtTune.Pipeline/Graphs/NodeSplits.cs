namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// The ForwardGNN node-split protocol: KFold(k, shuffle, random_state 101) gives each split's test fold; 20 % of the
/// remaining nodes, drawn by train_test_split(random_state = 127·split), become validation; with k = 5 that is
/// 64/16/20. Reproduces scikit-learn's index arithmetic over NumPy's legacy generator, so the splits are the ones
/// the reference code generates for the same node count.
/// </summary>
public static class NodeSplits
{
    public const uint FoldSeed = 101;
    public const uint ValidationSeedStep = 127;

    public static IReadOnlyList<NodeSplit> Generate(int nodeCount, int folds = 5)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "K-fold splitting needs at least 2 folds.");
        if (nodeCount < folds) throw new ArgumentException($"Cannot split {nodeCount} nodes into {folds} folds.");
        var order = Enumerable.Range(0, nodeCount).ToArray();
        new NumpyRandomState(FoldSeed).Shuffle(order);

        var splits = new List<NodeSplit>(folds);
        int start = 0;
        for (int k = 0; k < folds; k++)
        {
            // KFold: the first n mod k folds are one longer.
            int size = nodeCount / folds + (k < nodeCount % folds ? 1 : 0);
            var test = order[start..(start + size)];
            // KFold's training indices are the complement in ascending order, not in shuffled order.
            var rest = order[..start].Concat(order[(start + size)..]).Order().ToArray();
            start += size;

            // train_test_split(test_size=0.2): ceil(0.2·n) validation nodes first in a permutation, the rest train.
            int validationCount = (int)Math.Ceiling(0.2 * rest.Length);
            var perm = new NumpyRandomState(ValidationSeedStep * (uint)k).Permutation(rest.Length);
            var validation = perm[..validationCount].Select(i => rest[i]).ToArray();
            var train = perm[validationCount..].Select(i => rest[i]).ToArray();
            Array.Sort(train);
            Array.Sort(validation);
            Array.Sort(test);
            splits.Add(new NodeSplit(k, train, validation, test));
        }
        return splits;
    }

    /// <summary>Throws when a class has no training node in <paramref name="split"/> (its loss and classifier would be undefined).</summary>
    public static void RequireEveryClassInTraining(GraphDataset graph, NodeSplit split)
    {
        var seen = new bool[graph.ClassCount];
        foreach (var n in split.Train) seen[graph.Labels[n]] = true;
        for (int c = 0; c < seen.Length; c++)
            if (!seen[c])
                throw new InvalidDataException(
                    $"Split {split.Index} has no training node of class {c} ('{graph.ClassNames[c]}'): of {split.Train.Length} training nodes none carries that label.");
    }
}

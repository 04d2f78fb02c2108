namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// A node-classification graph in memory: dense node features (row-major [NodeCount, FeatureCount]), one class per
/// node, and the edge list as (source, target) pairs, each undirected edge stored in both directions, no self-loops.
/// </summary>
public sealed class GraphDataset
{
    public required int NodeCount { get; init; }
    public required int FeatureCount { get; init; }
    public required int ClassCount { get; init; }

    /// <summary>Row-major node features, NodeCount × FeatureCount.</summary>
    public required float[] Features { get; init; }

    /// <summary>Class of every node, in [0, ClassCount).</summary>
    public required int[] Labels { get; init; }

    public required int[] EdgeSource { get; init; }
    public required int[] EdgeTarget { get; init; }

    /// <summary>Class names when the file has them (else "0", "1", ...), for error messages and reports.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public int EdgeCount => EdgeSource.Length;

    private (long[], long[], float[])? _sparse;

    /// <summary>The non-zero features as (row, column, value) triples, row-major order (computed once).</summary>
    public (long[] Row, long[] Column, float[] Value) SparseFeatures() => _sparse ??= FindNonZeros();

    private (long[], long[], float[]) FindNonZeros()
    {
        var row = new List<long>();
        var column = new List<long>();
        var value = new List<float>();
        for (int i = 0; i < NodeCount; i++)
            for (int j = 0; j < FeatureCount; j++)
            {
                float v = Features[(long)i * FeatureCount + j];
                if (v == 0) continue;
                row.Add(i);
                column.Add(j);
                value.Add(v);
            }
        return (row.ToArray(), column.ToArray(), value.ToArray());
    }

    /// <summary>A copy with <paramref name="features"/> in place of the node features (e.g. normalised).</summary>
    public GraphDataset WithFeatures(float[] features)
    {
        if (features.Length != Features.Length)
            throw new ArgumentException($"Features need {Features.Length} values ({NodeCount} × {FeatureCount}), got {features.Length}.");
        return new GraphDataset
        {
            NodeCount = NodeCount, FeatureCount = FeatureCount, ClassCount = ClassCount, Features = features, Labels = Labels,
            EdgeSource = EdgeSource, EdgeTarget = EdgeTarget, ClassNames = ClassNames,
        };
    }
}

namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// The protocol's feature preprocessing (PyG's NormalizeFeatures): every node's feature row divided by its sum, rows
/// summing to 0 left as they are.
/// </summary>
public static class FeatureNormalization
{
    public static GraphDataset RowSum(GraphDataset graph)
    {
        var x = (float[])graph.Features.Clone();
        int f = graph.FeatureCount;
        for (int i = 0; i < graph.NodeCount; i++)
        {
            var row = x.AsSpan(i * f, f);
            float sum = 0;
            foreach (var v in row) sum += v;
            if (sum == 0) continue;
            for (int j = 0; j < f; j++) row[j] /= sum;
        }
        return graph.WithFeatures(x);
    }
}

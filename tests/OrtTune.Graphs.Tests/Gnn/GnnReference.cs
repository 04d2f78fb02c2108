namespace OrtTune.Graphs.Tests.Gnn;

/// <summary>
/// Dense-matrix versions of the GNN layers (double precision, adjacency as an N×N matrix): what the ONNX edge-list
/// graphs must compute, written directly from the formulas of PyG's GCNConv, SAGEConv(mean) and GATConv.
/// </summary>
internal static class GnnReference
{
    /// <summary>A[t, s] = 1 for every edge s → t.</summary>
    public static double[,] Adjacency(int n, long[] source, long[] target)
    {
        var a = new double[n, n];
        for (int e = 0; e < source.Length; e++) a[target[e], source[e]] = 1;
        return a;
    }

    public static double[,] MatMul(double[,] x, double[,] w)
    {
        int n = x.GetLength(0), k = x.GetLength(1), m = w.GetLength(1);
        var y = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += x[i, p] * w[p, j];
                y[i, j] = s;
            }
        return y;
    }

    public static double[,] Matrix(float[] data, int rows, int cols)
    {
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) m[i, j] = data[i * cols + j];
        return m;
    }

    /// <summary>D^-1/2 (A + I) D^-1/2 X W + b, D the degrees of A + I.</summary>
    public static double[,] Gcn(double[,] a, double[,] x, double[,] w, float[] b)
    {
        int n = a.GetLength(0);
        var hat = (double[,])a.Clone();
        for (int i = 0; i < n; i++) hat[i, i] += 1;
        var deg = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) deg[i] += hat[i, j];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) hat[i, j] /= Math.Sqrt(deg[i] * deg[j]);
        return AddBias(MatMul(hat, MatMul(x, w)), b);
    }

    /// <summary>mean over in-neighbours of x, times W_l, plus b_l, plus x W_r.</summary>
    public static double[,] Sage(double[,] a, double[,] x, double[,] wl, float[] bl, double[,] wr)
    {
        int n = a.GetLength(0), f = x.GetLength(1);
        var mean = new double[n, f];
        for (int i = 0; i < n; i++)
        {
            double count = 0;
            for (int j = 0; j < n; j++) count += a[i, j];
            for (int j = 0; j < n; j++)
                for (int k = 0; k < f; k++) mean[i, k] += a[i, j] * x[j, k] / Math.Max(count, 1);
        }
        var y = AddBias(MatMul(mean, wl), bl);
        var r = MatMul(x, wr);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < y.GetLength(1); j++) y[i, j] += r[i, j];
        return y;
    }

    /// <summary>GATConv with self-loops: per head softmax over j ∈ N(i) ∪ {i} of LeakyReLU(a_s·h_j + a_t·h_i, 0.2); heads concatenated or averaged.</summary>
    public static double[,] Gat(double[,] a, double[,] x, double[,] w, float[] attSource, float[] attTarget, float[] b, int heads, bool concat)
    {
        int n = a.GetLength(0);
        var h = MatMul(x, w);
        int c = h.GetLength(1) / heads;
        var y = new double[n, concat ? heads * c : c];
        for (int k = 0; k < heads; k++)
        {
            var ss = new double[n];
            var st = new double[n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < c; j++)
                {
                    ss[i] += h[i, k * c + j] * attSource[k * c + j];
                    st[i] += h[i, k * c + j] * attTarget[k * c + j];
                }
            for (int i = 0; i < n; i++)
            {
                var neighbours = Enumerable.Range(0, n).Where(j => a[i, j] != 0 || j == i).ToList();
                var scores = neighbours.Select(j => { double e = ss[j] + st[i]; return Math.Exp(e > 0 ? e : 0.2 * e); }).ToList();
                double total = scores.Sum();
                for (int q = 0; q < neighbours.Count; q++)
                    for (int j = 0; j < c; j++)
                    {
                        double v = scores[q] / total * h[neighbours[q], k * c + j];
                        if (concat) y[i, k * c + j] += v; else y[i, j] += v / heads;
                    }
            }
        }
        return AddBias(y, b);
    }

    public static double[,] L2NormalizeRows(double[,] x)
    {
        var y = (double[,])x.Clone();
        for (int i = 0; i < x.GetLength(0); i++)
        {
            double s = 0;
            for (int j = 0; j < x.GetLength(1); j++) s += x[i, j] * x[i, j];
            for (int j = 0; j < x.GetLength(1); j++) y[i, j] = x[i, j] / (Math.Sqrt(s) + 1e-8);
        }
        return y;
    }

    public static double[,] Relu(double[,] x)
    {
        var y = (double[,])x.Clone();
        for (int i = 0; i < y.GetLength(0); i++)
            for (int j = 0; j < y.GetLength(1); j++) y[i, j] = Math.Max(0, y[i, j]);
        return y;
    }

    private static double[,] AddBias(double[,] y, float[] b)
    {
        for (int i = 0; i < y.GetLength(0); i++)
            for (int j = 0; j < y.GetLength(1); j++) y[i, j] += b[j];
        return y;
    }
}

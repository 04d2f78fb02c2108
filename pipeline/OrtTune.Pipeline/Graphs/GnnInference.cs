using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Pipeline.Runtime;
using OrtTune.Artifacts.Gnn;

namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// Runs a GNN unit's inference graph (inference.onnx of its artifacts directory) with given parameters: node
/// features and edges in, the requested outputs (hidden states, class probabilities, ...) out as float arrays.
/// Inputs are passed as views of the managed arrays, not copied.
/// </summary>
public sealed class GnnInference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();

    /// <param name="file">The inference graph's file in the directory; default the one for the training graph's edges.</param>
    public GnnInference(string artifactsDirectory, SessionConfig? config = null, string? file = null) =>
        _session = SessionFactory.Create(Path.Combine(artifactsDirectory, file ?? GnnTensorNames.InferenceFile), config);

    /// <summary>The inference graph built for <paramref name="edges"/> edges (OrtTune.Graphs.Gnn.GnnTensorNames.InferenceFileFor).</summary>
    public static string FileFor(long edges) => $"inference_{edges}edges.onnx";

    public IReadOnlyList<string> OutputNames => _session.OutputMetadata.Keys.ToList();

    /// <summary>The outputs <paramref name="outputs"/> for the given inputs (float or int64 arrays with shapes) and parameters.</summary>
    public float[][] Run(IReadOnlyDictionary<string, (Array Data, long[] Shape)> inputs, IEnumerable<NamedTensor> parameters, params string[] outputs)
    {
        var values = new List<OrtValue>();
        var names = new List<string>();
        try
        {
            foreach (var (name, (data, shape)) in inputs)
            {
                if (!_session.InputMetadata.ContainsKey(name)) continue;
                names.Add(name);
                values.Add(data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"Input '{name}' must be float[] or long[], not {data.GetType().Name}."),
                });
            }
            foreach (var p in parameters)
            {
                if (!_session.InputMetadata.ContainsKey(p.Name)) continue;
                names.Add(p.Name);
                values.Add(OrtValue.CreateTensorValueFromMemory(p.ToArray<float>(), p.GetDims()));
            }
            var missing = _session.InputMetadata.Keys.Except(names).ToList();
            if (missing.Count > 0) throw new ArgumentException($"The inference graph needs input(s) not given: {string.Join(", ", missing)}.");
            using var results = _session.Run(_run, names, values, outputs);
            return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _run.Dispose();
    }
}

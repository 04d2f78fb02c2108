using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Optimizers;

/// <summary>
/// The PyTorch optimizer trajectories of tests/fixtures/training/optim (tools/fixtures/export_training_refs.py):
/// three parameters, their initial values and a 6-step gradient sequence, and per case the hyper-parameters, the
/// learning rate of each step and the parameters and states after each step.
/// </summary>
public sealed class OptimizerFixture
{
    public static string Root => Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "training", "optim");

    private readonly JsonElement _cases;

    private OptimizerFixture()
    {
        var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "meta.json"))).RootElement;
        Steps = meta.GetProperty("steps").GetInt32();
        Names = meta.GetProperty("params").EnumerateObject().Select(p => p.Name).ToList();
        Init = Names.ToDictionary(n => n, n => Npy.Read(Path.Combine(Root, $"init_{n}.npy")));
        Grads = Names.ToDictionary(n => n, n => Npy.Read(Path.Combine(Root, $"grads_{n}.npy")));
        _cases = meta.GetProperty("cases");
    }

    public static OptimizerFixture Instance { get; } = new();

    public int Steps { get; }
    public List<string> Names { get; }
    public Dictionary<string, Tensor> Init { get; }

    /// <summary>Gradient sequences, [steps, ...shape] per parameter.</summary>
    public Dictionary<string, Tensor> Grads { get; }

    public IReadOnlyList<OptimizerParameter> Parameters =>
        Names.Select(n => new OptimizerParameter(n, DataType.Float, Init[n].Dims.ToArray())).ToList();

    public JsonElement Case(string name) => _cases.GetProperty(name);

    public double[] LearningRates(string name) => Case(name).GetProperty("lr").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static double Get(JsonElement spec, string key, double fallback) =>
        spec.TryGetProperty(key, out var v) ? v.GetDouble() : fallback;

    public static string[] Strings(JsonElement spec, string key) =>
        spec.TryGetProperty(key, out var v) ? v.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];

    /// <summary>PyTorch's value of <paramref name="key"/> ("param_w", "exp_avg_w" …) after each step, [steps, ...].</summary>
    public Tensor Reference(string caseName, string key) => Npy.Read(Path.Combine(Root, caseName, key + ".npy"));

    /// <summary>Step <paramref name="t"/> of a [steps, ...] tensor, as float values.</summary>
    public static float[] At(Tensor sequence, int t)
    {
        int n = (int)(sequence.ElementCount / sequence.Dims[0]);
        return sequence.AsSpan<float>().Slice(t * n, n).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="optimizer"/> for every step in ONNX Runtime, feeding the fixture's gradients (times
    /// <paramref name="gradMultiplier"/>) and the case's learning rates, and returns every output after each step.
    /// </summary>
    public List<Dictionary<string, Tensor>> Run(OptimizerModel optimizer, double[] learningRates, float gradMultiplier = 1, float? gradScale = null)
    {
        using var session = new InferenceSession(OnnxModelIO.ToBytes(optimizer.Model));
        var current = new Dictionary<string, Tensor>();
        foreach (var slot in optimizer.Slots)
        {
            current[slot.Parameter] = Init[slot.Parameter];
            foreach (var s in slot.States)
                current[s] = Tensor.FromArray(new float[Init[slot.Parameter].ElementCount], Init[slot.Parameter].Dims.ToArray());
        }
        var history = new List<Dictionary<string, Tensor>>();
        for (int t = 0; t < Steps; t++)
        {
            var feeds = new Dictionary<string, Tensor>(current)
            {
                [OptimizerNames.LearningRate] = Tensor.Scalar((float)learningRates[t]),
                [OptimizerNames.Step] = Tensor.Scalar((long)(t + 1)),
            };
            if (gradScale is { } scale) feeds[OptimizerNames.GradScale] = Tensor.Scalar(scale);
            foreach (var slot in optimizer.Slots)
            {
                var g = At(Grads[slot.Parameter], t).Select(v => v * gradMultiplier).ToArray();
                feeds[slot.Gradient] = Tensor.FromArray(g, Init[slot.Parameter].Dims.ToArray());
            }
            var outputs = OrtHarness.Run(session, feeds);
            foreach (var slot in optimizer.Slots)
            {
                current[slot.Parameter] = outputs[slot.UpdatedParameter];
                for (int k = 0; k < slot.States.Count; k++) current[slot.States[k]] = outputs[slot.UpdatedStates[k]];
            }
            history.Add(outputs);
        }
        return history;
    }

    /// <summary>
    /// Asserts every updated parameter and state of every step equals PyTorch's to <paramref name="rtol"/> relative
    /// to the largest magnitude of that tensor at that step (max-norm relative error), and returns the largest such
    /// error. Element-wise relative error is not the measure: torch's add/addcdiv kernels fuse a·x + y into one FMA
    /// (one rounding) where ONNX has Mul then Add (two), so an element that results from cancellation (|result| ≪
    /// its operands) differs by an ulp of the operands, a large fraction of itself.
    /// </summary>
    public double AssertMatches(string caseName, OptimizerModel optimizer, List<Dictionary<string, Tensor>> history, string[] stateNames, double rtol = 1e-6)
    {
        double worst = 0;
        foreach (var slot in optimizer.Slots)
        {
            var keys = new List<(string Output, string Reference)> { (slot.UpdatedParameter, $"param_{slot.Parameter}") };
            for (int k = 0; k < slot.States.Count; k++) keys.Add((slot.UpdatedStates[k], $"{stateNames[k]}_{slot.Parameter}"));
            foreach (var (output, key) in keys)
            {
                var reference = Reference(caseName, key);
                for (int t = 0; t < Steps; t++)
                {
                    var want = At(reference, t);
                    var have = history[t][output].ToArray<float>();
                    Assert.HasCount(want.Length, have);
                    double scale = want.Max(v => Math.Abs((double)v));
                    for (int i = 0; i < want.Length; i++)
                    {
                        double err = Math.Abs((double)have[i] - want[i]);
                        if (scale > 0) worst = Math.Max(worst, err / scale);
                        Assert.IsLessThanOrEqualTo(rtol * scale, err,
                            $"{caseName}: {key} step {t + 1} [{i}]: OrtTune {have[i]:G9} vs PyTorch {want[i]:G9} (largest |value| {scale:G3})");
                    }
                }
            }
        }
        return worst;
    }
}

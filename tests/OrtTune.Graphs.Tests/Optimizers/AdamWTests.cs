using OrtTune.Graphs.IR;
using OrtTune.Graphs.Optimizers;

namespace OrtTune.Graphs.Tests.Optimizers;

/// <summary>The AdamW optimizer model run in ONNX Runtime for 6 steps against torch.optim.AdamW's trajectory.</summary>
[TestClass]
public sealed class AdamWTests
{
    private static OptimizerFixture F => OptimizerFixture.Instance;

    public static AdamWOptions OptionsOf(string caseName)
    {
        var spec = F.Case(caseName);
        var betas = spec.TryGetProperty("betas", out var b) ? b.EnumerateArray().Select(e => e.GetDouble()).ToArray() : [0.9, 0.999];
        return new AdamWOptions
        {
            Beta1 = betas[0],
            Beta2 = betas[1],
            Epsilon = OptimizerFixture.Get(spec, "eps", 1e-8),
            WeightDecay = OptimizerFixture.Get(spec, "weight_decay", 0.01),
            NoWeightDecay = OptimizerFixture.Strings(spec, "no_weight_decay"),
            MaxGradNorm = spec.TryGetProperty("max_grad_norm", out var m) ? m.GetDouble() : null,
        };
    }

    [TestMethod]
    [DataRow("adamw_default")]
    [DataRow("adamw_no_wd")]
    [DataRow("adamw_exclude")]
    [DataRow("adamw_custom")]
    [DataRow("adamw_clip")]
    public void Trajectory_matches_pytorch(string caseName)
    {
        var optimizer = AdamW.Build(F.Parameters, OptionsOf(caseName));
        var history = F.Run(optimizer, F.LearningRates(caseName));
        F.AssertMatches(caseName, optimizer, history, [.. AdamW.StateNames]);
    }

    [TestMethod]
    public void Defaults_are_pytorchs_except_weight_decay_note()
    {
        var o = new AdamWOptions();
        Assert.AreEqual((0.9, 0.999, 1e-8, 0.01), (o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay));
        Assert.IsNull(o.MaxGradNorm);
        Assert.IsEmpty(o.NoWeightDecay);
    }

    [TestMethod]
    public void Inputs_and_outputs_follow_the_naming_contract()
    {
        var optimizer = AdamW.Build(F.Parameters, OptionsOf("adamw_exclude"));
        var graph = optimizer.Model.Graph;
        Assert.AreEqual(
            "learning_rate step grad_scale " +
            "dense.weight dense.weight_grad dense.weight.exp_avg dense.weight.exp_avg_sq " +
            "dense.bias dense.bias_grad dense.bias.exp_avg dense.bias.exp_avg_sq " +
            "norm.weight norm.weight_grad norm.weight.exp_avg norm.weight.exp_avg_sq",
            string.Join(" ", graph.Inputs.Select(v => v.Name)));
        Assert.AreEqual(
            "dense.weight.updated dense.weight.exp_avg.updated dense.weight.exp_avg_sq.updated " +
            "dense.bias.updated dense.bias.exp_avg.updated dense.bias.exp_avg_sq.updated " +
            "norm.weight.updated norm.weight.exp_avg.updated norm.weight.exp_avg_sq.updated",
            string.Join(" ", graph.Outputs.Select(v => v.Name)));
        Assert.IsFalse(optimizer.HasGradNorm);
        CollectionAssert.AreEqual(new[] { true, false, false }, optimizer.Slots.Select(s => s.WeightDecay).ToArray());
        Assert.AreEqual(DataType.Int64, graph.Inputs[1].ElemType);
        Assert.AreEqual(0, graph.Inputs[0].Shape!.Rank);
    }

    [TestMethod]
    public void Weight_decay_exclusion_takes_globs()
    {
        var byName = AdamW.Build(F.Parameters, OptionsOf("adamw_exclude"));
        var byGlob = AdamW.Build(F.Parameters, OptionsOf("adamw_exclude") with { NoWeightDecay = ["*.bias", "norm.*"] });
        CollectionAssert.AreEqual(byName.Slots.Select(s => s.WeightDecay).ToArray(), byGlob.Slots.Select(s => s.WeightDecay).ToArray());
        F.AssertMatches("adamw_exclude", byGlob, F.Run(byGlob, F.LearningRates("adamw_exclude")), [.. AdamW.StateNames]);
    }

    [TestMethod]
    public void Excluded_parameters_follow_the_no_decay_trajectory()
    {
        // With the same hyper-parameters otherwise, an excluded parameter moves exactly as with weight decay 0.
        var excluded = AdamW.Build(F.Parameters, new AdamWOptions { WeightDecay = 0.5, NoWeightDecay = ["dense.bias"] });
        var none = AdamW.Build(F.Parameters, new AdamWOptions { WeightDecay = 0 });
        var lrs = F.LearningRates("adamw_default");
        var a = F.Run(excluded, lrs);
        var b = F.Run(none, lrs);
        Assert.IsTrue(a[^1]["dense.bias.updated"].ContentEquals(b[^1]["dense.bias.updated"]));
        Assert.IsFalse(a[^1]["dense.weight.updated"].ContentEquals(b[^1]["dense.weight.updated"]));
    }

    [TestMethod]
    public void Clipping_reports_pytorchs_norm()
    {
        var optimizer = AdamW.Build(F.Parameters, OptionsOf("adamw_clip"));
        Assert.IsTrue(optimizer.HasGradNorm);
        Assert.AreEqual(OptimizerNames.GradNorm, optimizer.Model.Graph.Outputs[^1].Name);
        var history = F.Run(optimizer, F.LearningRates("adamw_clip"));
        var norms = F.Case("adamw_clip").GetProperty("grad_norm").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int t = 0; t < F.Steps; t++)
            Assert.AreEqual(norms[t], history[t][OptimizerNames.GradNorm].ToArray<float>()[0], 1e-6 * norms[t], $"step {t + 1}");
    }

    [TestMethod]
    public void Reporting_the_norm_without_clipping_changes_no_update()
    {
        var options = OptionsOf("adamw_default") with { ReportGradNorm = true };
        var optimizer = AdamW.Build(F.Parameters, options);
        Assert.IsTrue(optimizer.HasGradNorm);
        var history = F.Run(optimizer, F.LearningRates("adamw_default"));
        F.AssertMatches("adamw_default", optimizer, history, [.. AdamW.StateNames]);
        var norms = F.Case("adamw_clip").GetProperty("grad_norm").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.AreEqual(norms[3], history[3][OptimizerNames.GradNorm].ToArray<float>()[0], 1e-6 * norms[3]);
    }

    [TestMethod]
    [DataRow("adamw_default")]
    [DataRow("adamw_clip")]
    public void Grad_scale_averages_accumulated_gradients_before_clipping(string caseName)
    {
        // Four micro-batches summed, scaled by 1/4: the update and the clipping see the mean (powers of two are exact).
        var optimizer = AdamW.Build(F.Parameters, OptionsOf(caseName));
        var history = F.Run(optimizer, F.LearningRates(caseName), gradMultiplier: 4, gradScale: 0.25f);
        F.AssertMatches(caseName, optimizer, history, [.. AdamW.StateNames]);
    }

    [TestMethod]
    public void Double_parameters_are_supported()
    {
        var parameters = F.Parameters.Select(p => p with { ElemType = DataType.Double }).ToList();
        var optimizer = AdamW.Build(parameters);
        var feeds = new Dictionary<string, Tensor>
        {
            [OptimizerNames.LearningRate] = Tensor.Scalar(0.1f),
            [OptimizerNames.Step] = Tensor.Scalar(1L),
        };
        foreach (var s in optimizer.Slots)
        {
            var shape = F.Init[s.Parameter].Dims.ToArray();
            long n = F.Init[s.Parameter].ElementCount;
            feeds[s.Parameter] = Tensor.FromArray(Enumerable.Repeat(1.0, (int)n).ToArray(), shape);
            feeds[s.Gradient] = Tensor.FromArray(Enumerable.Repeat(2.0, (int)n).ToArray(), shape);
            foreach (var st in s.States) feeds[st] = Tensor.FromArray(new double[n], shape);
        }
        var outputs = TestSupport.OrtHarness.Run(OrtTune.Graphs.Onnx.OnnxModelIO.ToBytes(optimizer.Model), feeds);
        // Step 1: m̂ = g, v̂ = g², so p = 1·(1 − 0.1·0.01) − 0.1·g/(|g| + ε).
        double expected = 1 * (1 - 0.1f * 0.01) - 0.1f * 2 / (2 + 1e-8);
        Assert.AreEqual(expected, outputs["dense.weight.updated"].ToArray<double>()[0], 1e-7);
    }

    [TestMethod]
    public void Invalid_settings_are_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build(F.Parameters, new AdamWOptions { Beta1 = 1 }));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build(F.Parameters, new AdamWOptions { MaxGradNorm = 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build([]));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build([F.Parameters[0], F.Parameters[0]]));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build([new OptimizerParameter("step", DataType.Float, [2])]));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build([new OptimizerParameter("h", DataType.Float16, [2])]));
        Assert.ThrowsExactly<ArgumentException>(() => AdamW.Build(
            [new OptimizerParameter("w", DataType.Float, [2]), new OptimizerParameter("w_grad", DataType.Float, [2])]));
    }
}

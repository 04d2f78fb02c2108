using OrtTune.Graphs.Optimizers;

namespace OrtTune.Graphs.Tests.Optimizers;

/// <summary>The SGD optimizer model run in ONNX Runtime for 6 steps against torch.optim.SGD's trajectory.</summary>
[TestClass]
public sealed class SgdTests
{
    private static OptimizerFixture F => OptimizerFixture.Instance;

    private static SgdOptions OptionsOf(string caseName)
    {
        var spec = F.Case(caseName);
        return new SgdOptions
        {
            Momentum = OptimizerFixture.Get(spec, "momentum", 0.9),
            Dampening = OptimizerFixture.Get(spec, "dampening", 0),
            Nesterov = spec.TryGetProperty("nesterov", out var n) && n.GetBoolean(),
            WeightDecay = OptimizerFixture.Get(spec, "weight_decay", 0),
            NoWeightDecay = OptimizerFixture.Strings(spec, "no_weight_decay"),
            MaxGradNorm = spec.TryGetProperty("max_grad_norm", out var m) ? m.GetDouble() : null,
        };
    }

    [TestMethod]
    [DataRow("sgd_plain")]
    [DataRow("sgd_momentum")]
    [DataRow("sgd_nesterov")]
    [DataRow("sgd_clip")]
    public void Trajectory_matches_pytorch(string caseName)
    {
        var optimizer = Sgd.Build(F.Parameters, OptionsOf(caseName));
        var history = F.Run(optimizer, F.LearningRates(caseName));
        F.AssertMatches(caseName, optimizer, history, [Sgd.MomentumBuffer]);
    }

    [TestMethod]
    public void Plain_sgd_has_no_state()
    {
        var optimizer = Sgd.Build(F.Parameters, OptionsOf("sgd_plain"));
        Assert.IsTrue(optimizer.Slots.All(s => s.States.Count == 0 && s.UpdatedStates.Count == 0));
        Assert.HasCount(3 + 2 * 3, optimizer.Model.Graph.Inputs);
    }

    [TestMethod]
    public void Clipping_reports_pytorchs_norm()
    {
        var optimizer = Sgd.Build(F.Parameters, OptionsOf("sgd_clip"));
        var history = F.Run(optimizer, F.LearningRates("sgd_clip"));
        var norms = F.Case("sgd_clip").GetProperty("grad_norm").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int t = 0; t < F.Steps; t++)
            Assert.AreEqual(norms[t], history[t][OptimizerNames.GradNorm].ToArray<float>()[0], 1e-6 * norms[t], $"step {t + 1}");
    }

    [TestMethod]
    public void Grad_scale_applies_before_clipping()
    {
        var optimizer = Sgd.Build(F.Parameters, OptionsOf("sgd_clip"));
        F.AssertMatches("sgd_clip", optimizer, F.Run(optimizer, F.LearningRates("sgd_clip"), gradMultiplier: 8, gradScale: 0.125f), [Sgd.MomentumBuffer]);
    }

    [TestMethod]
    public void Defaults_and_invalid_settings()
    {
        var o = new SgdOptions();
        Assert.AreEqual((0.9, 0.0, false, 0.0), (o.Momentum, o.Dampening, o.Nesterov, o.WeightDecay));
        Assert.ThrowsExactly<ArgumentException>(() => Sgd.Build(F.Parameters, new SgdOptions { Nesterov = true, Dampening = 0.1 }));
        Assert.ThrowsExactly<ArgumentException>(() => Sgd.Build(F.Parameters, new SgdOptions { Nesterov = true, Momentum = 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => Sgd.Build(F.Parameters, new SgdOptions { Momentum = -1 }));
    }
}

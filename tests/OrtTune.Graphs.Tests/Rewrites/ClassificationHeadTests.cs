using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Rewrites;

/// <summary>
/// The classification head computes W·pool(h) + b over the hidden states the LM head read, with the pooling the options
/// name (last real token, mean over real tokens, first token) and the attention mask it adds; checked in ONNX Runtime
/// against the same formula evaluated here.
/// </summary>
[TestClass]
public sealed class ClassificationHeadTests
{
    [TestMethod]
    [DataRow(HeadPooling.Last, false)]
    [DataRow(HeadPooling.Mean, false)]
    [DataRow(HeadPooling.First, false)]
    [DataRow(HeadPooling.Mean, true)]
    [DataRow(HeadPooling.Last, true)]
    public void Pools_the_hidden_states_and_applies_the_new_linear_layer(HeadPooling pooling, bool pooler)
    {
        const int batch = 2, seq = 8, classes = 3;
        var dir = Path.Combine(TestPaths.FixtureModels, "llama");
        var model = OnnxModelIO.Load(Path.Combine(dir, "model.onnx"));
        new Specialization(new SpecializationOptions { Batch = batch, Sequence = seq }).Run(model);
        var lmHead = model.Graph.Outputs[0].Producer!;
        var hidden = lmHead.Inputs[0]!;
        var result = ClassificationHead.Apply(model, new ClassificationHeadOptions { Classes = classes, Pooling = pooling, Pooler = pooler, Seed = 5 });

        var graph = model.Graph;
        CollectionAssert.AreEqual(new[] { "input_ids", ClassificationHead.MaskInput }, graph.Inputs.Select(v => v.Name).ToArray());
        Assert.AreEqual(result.Output, graph.Outputs.Single().Name);
        Assert.IsFalse(graph.Nodes.Contains(lmHead), "the LM head is gone");
        graph.Outputs.Add(hidden); // to check the formula against

        long[] lengths = pooling == HeadPooling.First ? [8, 5] : [5, 0]; // an all-padding row (an eval batch's filler) pools to zeros
        var mask = Enumerable.Range(0, batch * seq).Select(i => i % seq < lengths[i / seq] ? 1L : 0L).ToArray();
        var inputs = new Dictionary<string, Tensor>
        {
            ["input_ids"] = Npy.Read(Path.Combine(dir, "inputs_input_ids.npy")),
            [ClassificationHead.MaskInput] = Tensor.FromArray(mask, batch, seq),
        };
        var outputs = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        var h = outputs[hidden.Name].ToArray<float>();
        var logits = outputs[result.Output].ToArray<float>();
        var w = graph.FindInitializer(result.Weight)!.Initializer!.ToArray<float>();
        var b = graph.FindInitializer(result.Bias)!.Initializer!.ToArray<float>();
        int d = h.Length / (batch * seq);
        Assert.IsTrue(w.Any(v => v != 0) && w.All(v => Math.Abs(v) < 0.2f), "N(0, 0.02) initialisation");
        Assert.AreEqual(pooler, result.PoolerWeight is not null);
        var pw = pooler ? graph.FindInitializer(result.PoolerWeight!)!.Initializer!.ToArray<float>() : null;
        var pb = pooler ? graph.FindInitializer(result.PoolerBias!)!.Initializer!.ToArray<float>() : null;
        if (pooler) CollectionAssert.AreEquivalent(new[] { result.PoolerWeight, result.PoolerBias, result.Weight, result.Bias }, result.Parameters.ToArray());

        for (int i = 0; i < batch; i++)
        {
            var pooled = new double[d];
            for (int s = 0; s < seq; s++)
            {
                double weight = pooling switch
                {
                    HeadPooling.Last => s == Math.Max(1, lengths[i]) - 1 ? 1 : 0,
                    HeadPooling.Mean => s < lengths[i] ? 1.0 / Math.Max(1, lengths[i]) : 0,
                    _ => s == 0 ? 1 : 0,
                };
                for (int k = 0; k < d; k++) pooled[k] += weight * h[(i * seq + s) * d + k];
            }
            if (pooler)
                pooled = Enumerable.Range(0, d).Select(j => Math.Tanh(pb![j] + Enumerable.Range(0, d).Sum(k => pw![j * d + k] * pooled[k]))).ToArray();
            for (int c = 0; c < classes; c++)
            {
                double expected = b[c] + Enumerable.Range(0, d).Sum(k => w[c * d + k] * pooled[k]);
                Assert.IsTrue(float.IsFinite(logits[i * classes + c]), $"{pooling}: example {i} is not finite");
                Assert.AreEqual(expected, logits[i * classes + c], 1e-5, $"{pooling}: example {i}, class {c}");
            }
        }
    }

    [TestMethod]
    public void Spec_parsing_and_bad_specs()
    {
        Assert.AreEqual(new ClassificationHeadOptions { Classes = 2 }, ClassificationHeadOptions.Parse("2"));
        Assert.AreEqual(HeadPooling.Mean, ClassificationHeadOptions.Parse("4:mean").Pooling);
        StringAssert.Contains(Assert.ThrowsExactly<OrtTuneException>(() => ClassificationHeadOptions.Parse("1")).Message, "at least 2 classes");
        StringAssert.Contains(Assert.ThrowsExactly<OrtTuneException>(() => ClassificationHeadOptions.Parse("2:max")).Message, "last, mean or first");
        var withPooler = ClassificationHeadOptions.Parse("2:mean:pooler");
        Assert.IsTrue(withPooler.Pooler);
        Assert.AreEqual("2:mean:pooler", withPooler.ToSpec());
        Assert.AreEqual(withPooler, ClassificationHeadOptions.Parse(withPooler.ToSpec()));
        Assert.IsFalse(ClassificationHeadOptions.Parse("2:mean").Pooler);
        StringAssert.Contains(Assert.ThrowsExactly<OrtTuneException>(() => ClassificationHeadOptions.Parse("2:mean:mlp")).Message, "'pooler'");
    }
}

using System.Security.Cryptography;
using System.Text;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Real checkpoints written by ONNX Runtime's artifact tooling, checked against the facts in their README.</summary>
[TestClass]
public sealed class FixtureCheckpointTests
{
    [TestMethod]
    public void MnistFixturesAreTheDocumentedFiles()
    {
        // README: sha256 prefixes of the published file and of the version-patched copy.
        Assert.StartsWith("ea5915704b16fa12", Sha256(CheckpointFixtures.Require(CheckpointFixtures.MnistV1)));
        Assert.StartsWith("465c61327db94d97", Sha256(CheckpointFixtures.Require(CheckpointFixtures.MnistV2)));
    }

    [TestMethod]
    [DataRow(CheckpointFixtures.MnistV1, 1)]
    [DataRow(CheckpointFixtures.MnistV2, 2)]
    public void MnistCheckpointHoldsTheMlpParameters(string fixture, int version)
    {
        var checkpoint = CheckpointReader.Read(CheckpointFixtures.Require(fixture));

        Assert.AreEqual(version, checkpoint.Version);
        Assert.IsFalse(checkpoint.IsNominalState);
        CollectionAssert.AreEqual(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" },
            checkpoint.TrainableParameters.Select(t => t.Name).ToArray());
        AssertShape(checkpoint, "fc1.weight", 500, 784);
        AssertShape(checkpoint, "fc1.bias", 500);
        AssertShape(checkpoint, "fc2.weight", 10, 500);
        AssertShape(checkpoint, "fc2.bias", 10);
        Assert.IsEmpty(checkpoint.FrozenParameters);
        Assert.IsEmpty(checkpoint.OptimizerGroups);
        Assert.IsEmpty(checkpoint.PropertyBag);
        Assert.AreEqual(397_510, checkpoint.ParameterElementCount(trainableOnly: true));
        Assert.AreEqual(397_510L * 4, checkpoint.AllParameters.Sum(t => (long)t.RawData.Length));
        // Values are trained weights, not placeholders: finite and not all zero.
        var fc1 = checkpoint.FindParameter("fc1.weight")!.ToArray<float>();
        Assert.IsTrue(fc1.All(float.IsFinite));
        Assert.IsGreaterThan(0, fc1.Count(v => v != 0));
    }

    [TestMethod]
    public void MnistVersion1AndVersion2ReadToIdenticalContent()
    {
        var v1 = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.MnistV1));
        var v2 = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.MnistV2));

        Assert.AreEqual(1, v1.Version);
        Assert.AreEqual(2, v2.Version);
        Assert.IsNull(CheckpointComparison.FirstDifference(v1, v2, ignoreVersion: true));
        Assert.AreEqual("version: 1 vs 2", CheckpointComparison.FirstDifference(v1, v2));
    }

    [TestMethod]
    public void TransformersCheckpointHoldsTheBlockParameters()
    {
        var checkpoint = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.Transformers));

        Assert.AreEqual(2, checkpoint.Version);
        Assert.HasCount(15, checkpoint.TrainableParameters);
        Assert.IsEmpty(checkpoint.FrozenParameters);
        Assert.AreEqual(11_808, checkpoint.ParameterElementCount(trainableOnly: false));
        Assert.IsTrue(checkpoint.AllParameters.All(t => t.ElementType == TensorElementType.Float && t.RawData.Length == t.ElementCount * 4));
        // README: D = 32, LoRA on query and value, FFN 32→128→32, two LayerNorms.
        AssertShape(checkpoint, "W_query.linear.weight", 32, 32);
        AssertShape(checkpoint, "W_query.lora.A", 32, 2);
        AssertShape(checkpoint, "W_query.lora.B", 2, 32);
        AssertShape(checkpoint, "W_key.weight", 32, 32);
        AssertShape(checkpoint, "W_value.linear.weight", 32, 32);
        AssertShape(checkpoint, "W_value.lora.A", 32, 2);
        AssertShape(checkpoint, "W_value.lora.B", 2, 32);
        AssertShape(checkpoint, "feed_forward.0.weight", 128, 32);
        AssertShape(checkpoint, "feed_forward.0.bias", 128);
        AssertShape(checkpoint, "feed_forward.2.weight", 32, 128);
        AssertShape(checkpoint, "feed_forward.2.bias", 32);
        foreach (var ln in new[] { "layer_norm1", "layer_norm2" })
        {
            AssertShape(checkpoint, ln + ".weight", 32);
            AssertShape(checkpoint, ln + ".bias", 32);
        }
    }

    [TestMethod]
    public void LoraCheckpointHoldsLinearAndAdapter()
    {
        var checkpoint = CheckpointReader.Read(CheckpointFixtures.Require(CheckpointFixtures.LoRA));

        Assert.AreEqual(2, checkpoint.Version);
        CollectionAssert.AreEqual(new[] { "linear.weight", "linear.bias", "lora.A", "lora.B" },
            checkpoint.TrainableParameters.Select(t => t.Name).ToArray());
        AssertShape(checkpoint, "linear.weight", 2, 10);
        AssertShape(checkpoint, "linear.bias", 2);
        AssertShape(checkpoint, "lora.A", 10, 2);
        AssertShape(checkpoint, "lora.B", 2, 2);
        Assert.AreEqual(46, checkpoint.ParameterElementCount(trainableOnly: true));
        // LoRA's B starts at zero so that the adapter starts as a no-op.
        Assert.IsTrue(checkpoint.FindParameter("lora.B")!.ToArray<float>().All(v => v == 0));
    }

    [TestMethod]
    [DataRow(CheckpointFixtures.MnistV2, "carzh-onnxruntime-training-examples/web-demo/training_model.onnx")]
    [DataRow(CheckpointFixtures.Transformers, "srijanie03-ONNX-Graphs/LoRA/Graphs/Transformers/training_model.onnx")]
    [DataRow(CheckpointFixtures.LoRA, "srijanie03-ONNX-Graphs/LoRA/Graphs/LoRA/training_model.onnx")]
    public void EveryTrainableParameterHasAGradientBufferInTheTrainingGraph(string fixture, string trainingModel)
    {
        // Independent evidence for the names read: the training graph declares "<param>_grad.accumulation.buffer".
        var checkpoint = CheckpointReader.Read(CheckpointFixtures.Require(fixture));
        var model = File.ReadAllBytes(CheckpointFixtures.Require(trainingModel));
        foreach (var p in checkpoint.TrainableParameters)
            Assert.IsGreaterThanOrEqualTo(0, model.AsSpan().IndexOf(Encoding.UTF8.GetBytes(p.Name + "_grad.accumulation.buffer")),
                $"{p.Name} has no gradient buffer in {trainingModel}");
    }

    [TestMethod]
    [DataRow(CheckpointFixtures.MnistV1, 1)]
    [DataRow(CheckpointFixtures.Transformers, 2)]
    public void ReadVersionReadsOnlyTheHeader(string fixture, int version) =>
        Assert.AreEqual(version, CheckpointReader.ReadVersion(CheckpointFixtures.Require(fixture)));

    [TestMethod]
    public void TheOnnxModelBesideACheckpointIsNotACheckpoint()
    {
        var path = CheckpointFixtures.Require("srijanie03-ONNX-Graphs/LoRA/Graphs/LoRA/training_model.onnx");
        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => CheckpointReader.Read(path));
        Assert.Contains("not \"ODTC\"", e.Message);
        Assert.Contains(path, e.Message);
        Assert.AreEqual(path, e.FilePath);
    }

    private static void AssertShape(TrainingCheckpoint checkpoint, string name, params long[] dims)
    {
        var t = checkpoint.FindParameter(name);
        Assert.IsNotNull(t, $"no parameter {name}");
        CollectionAssert.AreEqual(dims, t.GetDims(), $"dims of {name}");
        Assert.AreEqual(TensorElementType.Float, t.ElementType, $"type of {name}");
        Assert.AreEqual(dims.Aggregate(1L, (a, d) => a * d) * 4, t.RawData.Length, $"bytes of {name}");
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Evaluation;

namespace OrtTune.Pipeline.Tests.Evaluation;

[TestClass]
public sealed class MetricAccumulatorTests
{
    private static ArtifactManifest Manifest(string lossKind) => new()
    {
        SourceModel = "m.onnx", SourceSha256 = "", Inputs = [], LossName = "loss", LossKind = lossKind, PredictionName = "logits",
        Trainable = [], Frozen = [], Gradients = [],
    };

    [TestMethod]
    public void Classification_accuracy_and_macro_f1_match_a_hand_count()
    {
        var m = new MetricAccumulator(Manifest("SequenceClassificationCrossEntropy"));
        // Three classes. Labels 0,0,1,2 | 2,1 ; predictions (argmax) 0,1,1,2 | 0,1.
        m.Add([NamedTensor.FromValues<long>("labels", [4], [0, 0, 1, 2])], 1.0f,
            [5, 0, 0, /**/ 0, 5, 0, /**/ 0, 5, 0, /**/ 0, 0, 5]);
        m.Add([NamedTensor.FromValues<long>("labels", [2], [2, 1])], 4.0f, [5, 0, 0, /**/ 0, 5, 0]);
        var r = m.Result();
        Assert.AreEqual(4.0 / 6, r.Accuracy!.Value, 1e-12);
        // class 0: tp 1, fp 1, fn 1 → F1 0.5; class 1: tp 2, fp 1, fn 0 → 0.8; class 2: tp 1, fp 0, fn 1 → 2/3.
        Assert.AreEqual((0.5 + 0.8 + 2.0 / 3) / 3, r.MacroF1!.Value, 1e-12);
        Assert.AreEqual((1.0 * 4 + 4.0 * 2) / 6, r.Loss, 1e-12, "example-weighted mean loss");
        Assert.IsNull(r.Perplexity);
        Assert.AreEqual(6L, r.Examples);
    }

    [TestMethod]
    public void Causal_lm_perplexity_is_the_exp_of_the_token_weighted_loss()
    {
        var m = new MetricAccumulator(Manifest("CausalLMCrossEntropy"));
        // One row, 3 positions, vocabulary 2: position t predicts label t+1. Label 2 is ignored (−100).
        float[] logits = [0, 1, /**/ 1, 0, /**/ 9, 9];
        m.Add([NamedTensor.FromValues<long>("labels", [1, 3], [0, 1, -100])], 2.0f, logits);
        m.Add([NamedTensor.FromValues<long>("labels", [1, 3], [0, 1, 1])], 1.0f, logits);
        var r = m.Result();
        // Counted targets: 1 in the first batch, 2 in the second: (2·1 + 1·2)/3.
        Assert.AreEqual(4.0 / 3, r.Loss, 1e-12);
        Assert.AreEqual(Math.Exp(4.0 / 3), r.Perplexity!.Value, 1e-12);
        // Position 0 predicts 1 (correct in both batches); position 1 predicts 0 (wrong against batch 2's label 1).
        Assert.AreEqual(2.0 / 3, r.Accuracy!.Value, 1e-12);
    }

    [TestMethod]
    public void A_label_outside_the_classes_is_a_clear_error()
    {
        var m = new MetricAccumulator(Manifest("SequenceClassificationCrossEntropy"));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => m.Add([NamedTensor.FromValues<long>("labels", [1], [7])], 1f, [0, 1]));
        Assert.Contains("Label 7", e.Message);
        Assert.Contains("2 classes", e.Message);
    }
}

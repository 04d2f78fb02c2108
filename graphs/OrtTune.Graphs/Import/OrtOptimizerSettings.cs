using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;

namespace OrtTune.Graphs.Import;

/// <summary>
/// Reads the optimizer hyper-parameters out of an ORT optimizer_model.onnx, the inverse of <see cref="OrtOptimizerModel"/>.
/// </summary>
/// <remarks>
/// AdamWOptimizer's adam_mode 1 (onnxblock's default, the Hugging Face variant) puts ε inside the bias-corrected step
/// size (ε is added to √v, not to √v̂) and decays the weights after the update; OrtTune's AdamW is torch's (mode 0). The
/// two agree on the loss of the first step and differ in the updates by terms of order ε·√(1−β2ᵗ); the import keeps
/// the attributes' values and uses torch's form.
/// </remarks>
public static class OrtOptimizerSettings
{
    /// <summary>onnxblock's AdamW defaults, for an artifact set without an optimizer model.</summary>
    public static AdamWOptions OnnxblockDefaults { get; } = new() { Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-6, WeightDecay = 0 };

    public static OptimizerOptions Read(Model optimizerModel)
    {
        var nodes = optimizerModel.Graph.Nodes.ToList();
        var optimizers = nodes.Where(n => n.Domain == OrtFormatNames.ContribDomain
                                          && n.OpType is OrtFormatNames.AdamWOptimizerOp or OrtFormatNames.SgdOptimizerOp).ToList();
        if (optimizers.Count != 1)
            throw new OrtTuneException(
                $"The optimizer model has {optimizers.Count} AdamWOptimizer/SGDOptimizerV2 nodes; ONNX Runtime's training runtime needs exactly one " +
                $"(ops: {string.Join(", ", nodes.Select(n => n.QualifiedOpType).Distinct())}).");
        double? maxNorm = nodes.FirstOrDefault(n => n.OpType == OrtFormatNames.ClipGradNormOp) is { } clip ? clip.GetFloat("max_norm", 1f) : null;
        var node = optimizers[0];
        // SGDOptimizerV2 is p ← p − lr·g: no momentum, no decay.
        if (node.OpType == OrtFormatNames.SgdOptimizerOp) return new SgdOptions { Momentum = 0, WeightDecay = 0, MaxGradNorm = maxNorm };
        return new AdamWOptions
        {
            // The attributes are float32; their double values are kept as they are.
            Beta1 = node.GetFloat("alpha", 0.9f),
            Beta2 = node.GetFloat("beta", 0.999f),
            Epsilon = node.GetFloat("epsilon", 1e-8f),
            WeightDecay = node.GetFloat("weight_decay", 1e-2f),
            MaxGradNorm = maxNorm,
        };
    }
}

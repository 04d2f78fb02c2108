using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;

namespace OrtTune.Graphs.Import;

/// <summary>
/// Reads the optimizer hyper-parameters out of an ORT optimizer_model.onnx, the inverse of <see cref="OrtOptimizerModel"/>.
/// </summary>
/// <remarks>
/// AdamWOptimizer's adam_mode 1 (onnxblock's default, the Hugging Face variant: ε added to √v before the bias
/// correction, decay after the update) maps to <see cref="AdamWOptions.HuggingFaceForm"/>, mode 0 to torch's form.
/// The attributes are float32; their values are kept as they are.
/// </remarks>
public static class OrtOptimizerSettings
{
    /// <summary>onnxblock's AdamW defaults (adam_mode 1), for an artifact set without an optimizer model.</summary>
    public static AdamWOptions OnnxblockDefaults { get; } = new() { Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-6, WeightDecay = 0, HuggingFaceForm = true };

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
        if (node.OpType == OrtFormatNames.AdamWOptimizerOp && node.GetInt("correct_bias", 1) != 1)
            throw new OrtTuneException("The optimizer model's AdamWOptimizer has correct_bias 0 (no bias correction), which OrtTune's AdamW does not implement; import with --optimizer adamw.");
        // SGDOptimizerV2 is p ← p − lr·g: no momentum, no decay.
        if (node.OpType == OrtFormatNames.SgdOptimizerOp) return new SgdOptions { Momentum = 0, WeightDecay = 0, MaxGradNorm = maxNorm };
        return new AdamWOptions
        {
            Beta1 = node.GetFloat("alpha", 0.9f),
            Beta2 = node.GetFloat("beta", 0.999f),
            Epsilon = node.GetFloat("epsilon", 1e-8f),
            WeightDecay = node.GetFloat("weight_decay", 1e-2f),
            MaxGradNorm = maxNorm,
            HuggingFaceForm = node.GetInt("adam_mode", 0) == 1,
        };
    }
}

namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// The names ONNX Runtime's on-device-training runtime (training_api: Module, Optimizer, checkpoint) looks for. The
/// runtime binds everything by name, so these strings are the format. Source: onnxruntime
/// orttraining/training_api/{module,optimizer,utils}.cc and onnxblock, as used by ORT 1.19 (onnxruntime-web 1.19.2).
/// </summary>
public static class OrtFormatNames
{
    /// <summary>Files of an artifact directory, as onnxblock's generate_artifacts names them.</summary>
    public const string TrainingModelFile = "training_model.onnx", EvalModelFile = "eval_model.onnx",
        OptimizerModelFile = "optimizer_model.onnx", CheckpointFile = "checkpoint";

    /// <summary>Domain of ORT's training contrib ops (InPlaceAccumulatorV2, AdamWOptimizer, …), imported at version 1.</summary>
    public const string ContribDomain = "com.microsoft";

    /// <summary>
    /// BOOL [1] training-graph input. The runtime feeds true on the first TrainStep after LazyResetGrad (and on the
    /// very first one): the accumulators then overwrite their buffers instead of adding to them.
    /// </summary>
    public const string LazyResetGrad = "lazy_reset_grad";

    /// <summary>
    /// Suffixes the runtime strips from an input or output name to find the parameter it belongs to
    /// (utils::GetParamNameFromGradient). A training input ending in one is a gradient buffer, not a user input; a
    /// training output ending in one is not returned by TrainStep. User inputs and outputs must not end in them.
    /// </summary>
    public static IReadOnlyList<string> GradientSuffixes { get; } = ["_grad.accumulation.buffer", "_grad", "_grad.accumulation.out"];

    /// <summary>Gradient accumulation buffer input of parameter <paramref name="parameter"/> (shaped like it).</summary>
    public static string AccumulationBuffer(string parameter) => parameter + "_grad.accumulation.buffer";

    /// <summary>BOOL [1] flag output of the accumulator of <paramref name="parameter"/>.</summary>
    public static string AccumulationOut(string parameter) => parameter + "_grad.accumulation.out";

    /// <summary>True when the runtime would take <paramref name="name"/> for a gradient name.</summary>
    public static bool LooksLikeGradient(string name) => GradientSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));

    // ---- optimizer model: the runtime checks the graph inputs are exactly these, in this order ----------------------

    public const string LearningRate = "learning_rate", Step = "step", Params = "params", Gradients = "gradients",
        FirstOrderMoments = "first_order_moments", SecondOrderMoments = "second_order_moments";

    /// <summary>AdamWOptimizer's graph inputs (names and order checked by Optimizer's constructor).</summary>
    public static IReadOnlyList<string> AdamWInputs { get; } = [LearningRate, Step, Params, Gradients, FirstOrderMoments, SecondOrderMoments];

    /// <summary>SGDOptimizerV2's graph inputs: step and first_order_moments are fed (zeros) but the op does not read them.</summary>
    public static IReadOnlyList<string> SgdInputs { get; } = [LearningRate, Step, Params, Gradients, FirstOrderMoments];

    public const string AdamWOptimizerOp = "AdamWOptimizer", SgdOptimizerOp = "SGDOptimizerV2",
        ClipGradNormOp = "InplaceClipGradNorm", AccumulatorOp = "InPlaceAccumulatorV2";
}

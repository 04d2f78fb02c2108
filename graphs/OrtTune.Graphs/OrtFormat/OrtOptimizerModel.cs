using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Optimizers;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.OrtFormat;

/// <summary>
/// Builds optimizer_model.onnx for ONNX Runtime's training runtime: one com.microsoft optimizer node over sequences.
/// The runtime checks the graph inputs are exactly [learning_rate, step, params, gradients, first_order_moments
/// (, second_order_moments)] and that the graph has exactly one AdamWOptimizer or SGDOptimizerV2 node. It feeds
/// learning_rate (float [1]) from its optimizer state, step (int64 [1]) = steps taken + 1, and one sequence each of
/// the trainable parameters, their accumulated gradients and their momentum0/momentum1 states, in an order of its
/// own (a hash map's); the node updates them in place. Only output 0 is read: when it is true the step count grows.
/// </summary>
/// <remarks>
/// <para>Mapping of <see cref="AdamWOptions"/> (torch.optim.AdamW) to AdamWOptimizer: alpha = β1, beta = β2,
/// epsilon = ε, weight_decay = wd, correct_bias = 1, adam_mode = 0. Mode 0 is ORT's torch mode:
/// p ← p − lr·wd·p; m ← α·m + (1−α)·g; v ← β·v + (1−β)·g²; p ← p − lr·m / ((1−αᵗ)·(√(v/(1−βᵗ)) + ε)), which is
/// torch's update (torch writes √v/√(1−βᵗ) and lr/(1−αᵗ); the difference is float rounding; ORT also computes the bias
/// corrections in float where OrtTune's portable graph uses double). onnxblock's defaults differ (adam_mode 1 = the
/// Hugging Face variant: bias correction folded into lr and decay applied after the update; ε 1e-6; wd 0); mode 1 is
/// written when <see cref="AdamWOptions.HuggingFaceForm"/> is set.</para>
/// <para>Not expressible, rejected: per-parameter decay exclusions (<see cref="OptimizerOptions.NoWeightDecay"/>
/// with wd ≠ 0) — one node with one weight_decay updates every parameter, the runtime allows one optimizer node,
/// and the sequence order is the runtime's; SGD momentum, dampening, Nesterov and weight decay — SGDOptimizerV2 is
/// p ← p − lr·g and nothing else; parameters of mixed or non-float types — the sequences are homogeneous and the
/// kernels are registered for float.</para>
/// <para>Clipping (<see cref="OptimizerOptions.MaxGradNorm"/>) maps to com.microsoft::InplaceClipGradNorm, which is
/// torch.nn.utils.clip_grad_norm_ (global L2 norm, coefficient max_norm/(norm + 1e-6) capped at 1).
/// <see cref="OptimizerOptions.ReportGradNorm"/> has no equivalent (the runtime reads only output 0) and is ignored.
/// Differences that live in the runtime, not in this graph: the learning rate is whatever the runtime's optimizer
/// state holds (1e-3 unless SetLearningRate or a scheduler changes it; a checkpoint's initial_learning_rate does not
/// set it), and accumulated micro-batch gradients are summed, not averaged as the portable backend's grad_scale does.</para>
/// </remarks>
public static class OrtOptimizerModel
{
    public static Model Build(IReadOnlyList<OptimizerParameter> parameters, OptimizerOptions options)
    {
        var elemType = CheckParameters(parameters);
        var (opType, inputNames, attributes) = options switch
        {
            AdamWOptions adam => (OrtFormatNames.AdamWOptimizerOp, OrtFormatNames.AdamWInputs, AdamWAttributes(adam)),
            SgdOptions sgd => (OrtFormatNames.SgdOptimizerOp, OrtFormatNames.SgdInputs, SgdAttributes(sgd)),
            _ => throw new OrtTuneException($"The ORT format has no optimizer for {options.GetType().Name}."),
        };

        var graph = new Graph(opType == OrtFormatNames.AdamWOptimizerOp ? "AdamW optimizer (ORT format)" : "SGD optimizer (ORT format)");
        var model = new Model(graph) { IrVersion = 8, ProducerName = "OrtTune" };
        model.OpsetImports[""] = options.Opset;
        model.OpsetImports[OrtFormatNames.ContribDomain] = 1;

        var sequence = new SequenceType(new TensorType(elemType, null));
        var inputs = inputNames.ToDictionary(n => n, n => graph.AddInput(new Value(n, n switch
        {
            OrtFormatNames.LearningRate => new TensorType(DataType.Float, new Shape(1)),
            OrtFormatNames.Step => new TensorType(DataType.Int64, new Shape(1)),
            _ => sequence,
        })));

        var gradients = inputs[OrtFormatNames.Gradients];
        if (options.MaxGradNorm is { } maxNorm)
        {
            var clip = new Node(OrtFormatNames.ContribDomain, OrtFormatNames.ClipGradNormOp, [gradients], ["clipped_gradients"],
                [Attribute.Of("max_norm", (float)maxNorm), Attribute.Of("norm_type", "fro")], name: "ClipGradNorm");
            graph.Append(clip);
            gradients = clip.Outputs[0]!;
            gradients.Type = sequence;
        }

        Value?[] nodeInputs = opType == OrtFormatNames.AdamWOptimizerOp
            ? [inputs[OrtFormatNames.LearningRate], inputs[OrtFormatNames.Step], inputs[OrtFormatNames.Params], gradients,
               inputs[OrtFormatNames.FirstOrderMoments], inputs[OrtFormatNames.SecondOrderMoments]]
            : [inputs[OrtFormatNames.LearningRate], inputs[OrtFormatNames.Params], gradients];
        var node = new Node(OrtFormatNames.ContribDomain, opType, nodeInputs, ["updated_flag"], attributes, name: opType);
        graph.Append(node);
        var flag = node.Outputs[0]!;
        // A bool flag. Shape left open: AdamWOptimizer's schema infers step's shape [1], SGDOptimizerV2's a scalar, and ORT
        // (web 1.19) fails to load SGD models that declare [1] as onnxblock does.
        flag.Type = new TensorType(DataType.Bool, null);
        graph.Outputs.Add(flag);
        return model;
    }

    private static Attribute[] AdamWAttributes(AdamWOptions o)
    {
        if (o.WeightDecay != 0 && o.NoWeightDecay.Count > 0)
            throw new OrtTuneException(
                $"The ORT format cannot exclude parameters from weight decay ({string.Join(", ", o.NoWeightDecay)}): ONNX Runtime's " +
                "AdamWOptimizer applies one weight_decay to every parameter. Drop NoWeightDecay or set WeightDecay to 0.");
        if (o.Beta1 is < 0 or >= 1 || o.Beta2 is < 0 or >= 1 || !(o.Epsilon >= 0) || o.WeightDecay < 0 || double.IsNaN(o.WeightDecay))
            throw new OrtTuneException($"Invalid AdamW settings: β1 {o.Beta1}, β2 {o.Beta2}, ε {o.Epsilon}, weight decay {o.WeightDecay}.");
        return
        [
            Attribute.Of("alpha", (float)o.Beta1),
            Attribute.Of("beta", (float)o.Beta2),
            Attribute.Of("epsilon", (float)o.Epsilon),
            Attribute.Of("weight_decay", (float)o.WeightDecay),
            Attribute.Of("correct_bias", 1L),
            Attribute.Of("adam_mode", o.HuggingFaceForm ? 1L : 0L), // 0: torch.optim.AdamW; see the remarks
        ];
    }

    private static Attribute[] SgdAttributes(SgdOptions o)
    {
        if (o.Momentum != 0 || o.Nesterov || o.WeightDecay != 0)
            throw new OrtTuneException(
                $"The ORT format's SGD (SGDOptimizerV2) is plain p ← p − lr·g; these settings need more (momentum {o.Momentum}, " +
                $"nesterov {o.Nesterov}, weight decay {o.WeightDecay}). Use SgdOptions {{ Momentum = 0 }} without weight decay, or AdamW.");
        return [];
    }

    private static DataType CheckParameters(IReadOnlyList<OptimizerParameter> parameters)
    {
        if (parameters.Count == 0) throw new OrtTuneException("The optimizer needs at least one trainable parameter.");
        var odd = parameters.FirstOrDefault(p => p.ElemType != DataType.Float);
        if (odd is not null)
            throw new OrtTuneException(
                $"Parameter '{odd.Name}' is {odd.ElemType.OnnxName()}; ONNX Runtime's training optimizers update float parameters only.");
        return DataType.Float;
    }
}

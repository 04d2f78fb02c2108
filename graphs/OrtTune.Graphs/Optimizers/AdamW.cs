using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// Builds the AdamW optimizer model, step for step as torch.optim.AdamW (amsgrad off, single-tensor path):
/// p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − (lr/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + ε).
/// States per parameter: "exp_avg" (m) and "exp_avg_sq" (v), zeros before step 1.
/// <see cref="AdamWOptions.HuggingFaceForm"/> selects the Hugging Face form (ONNX Runtime's adam_mode 1) instead.
/// </summary>
public static class AdamW
{
    public static readonly IReadOnlyList<string> StateNames = ["exp_avg", "exp_avg_sq"];

    public static OptimizerModel Build(IReadOnlyList<OptimizerParameter> parameters, AdamWOptions? options = null)
    {
        options ??= new AdamWOptions();
        if (options.Beta1 is < 0 or >= 1 || options.Beta2 is < 0 or >= 1)
            throw new ArgumentException($"AdamW betas must lie in [0, 1); got ({options.Beta1}, {options.Beta2}).");
        if (!(options.Epsilon >= 0)) throw new ArgumentException($"AdamW epsilon must be ≥ 0, not {options.Epsilon}.");
        var b = new OptimizerGraph("AdamW optimizer", parameters, options);
        var grads = b.PreparedGradients();

        // Step-level scalars in double, like torch's Python-float arithmetic.
        var lr = b.LearningRateDouble;
        var bc1 = b.Ops.Op("Sub", b.Double(1), b.Ops.Op("Pow", b.Double(options.Beta1), b.StepDouble));
        var bc2 = b.Ops.Op("Sub", b.Double(1), b.Ops.Op("Pow", b.Double(options.Beta2), b.StepDouble));
        var bc2Sqrt = b.Ops.Op("Sqrt", bc2);
        // Torch: lr/(1−β1ᵗ), with √(1−β2ᵗ) dividing √v below; Hugging Face: both corrections folded into the step size.
        var negStepSize = b.Ops.Op("Neg", options.HuggingFaceForm
            ? b.Ops.Op("Div", b.Ops.Op("Mul", lr, bc2Sqrt), bc1)
            : b.Ops.Op("Div", lr, bc1));
        var keep = b.Ops.Op("Sub", b.Double(1), b.Ops.Op("Mul", lr, b.Double(options.WeightDecay)));

        var typed = new Dictionary<DataType, (Value NegStep, Value Bc2Sqrt, Value Keep)>();
        var slots = new List<OptimizerSlot>();
        for (int i = 0; i < parameters.Count; i++)
        {
            var type = parameters[i].ElemType;
            if (!typed.TryGetValue(type, out var s))
                typed[type] = s = (b.Cast(negStepSize, type), b.Cast(bc2Sqrt, type), b.Cast(keep, type));
            var p = b.Params[i];
            var g = grads[i];
            var m = b.AddState(i, StateNames[0]);
            var v = b.AddState(i, StateNames[1]);

            if (b.Decayed[i] && !options.HuggingFaceForm) p = b.Ops.Op("Mul", p, s.Keep);
            // exp_avg.mul_(β1).add_(g, alpha=1−β1); exp_avg_sq.mul_(β2).addcmul_(g, g, value=1−β2)
            var m2 = b.Ops.Op("Add", b.Ops.Op("Mul", m, b.Const(options.Beta1, type)), b.Ops.Op("Mul", b.Const(1 - options.Beta1, type), g));
            var v2 = b.Ops.Op("Add", b.Ops.Op("Mul", v, b.Const(options.Beta2, type)),
                b.Ops.Op("Mul", b.Ops.Op("Mul", b.Const(1 - options.Beta2, type), g), g));
            // denom = sqrt(v)/sqrt(bc2) + eps (Hugging Face: sqrt(v) + eps); p.addcdiv_(m, denom, value=−step_size) computes (value·m)/denom.
            var root = b.Ops.Op("Sqrt", v2);
            var denom = b.Ops.Op("Add", options.HuggingFaceForm ? root : b.Ops.Op("Div", root, s.Bc2Sqrt), b.Const(options.Epsilon, type));
            var updated = b.Ops.Op("Add", p, b.Ops.Op("Div", b.Ops.Op("Mul", s.NegStep, m2), denom));
            if (b.Decayed[i] && options.HuggingFaceForm) updated = b.Ops.Op("Mul", updated, s.Keep);
            slots.Add(b.SetOutputs(i, updated, [m2, v2]));
        }
        return b.Finish(slots);
    }
}

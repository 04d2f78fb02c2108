using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// Builds the SGD optimizer model, as torch.optim.SGD: d = g + wd·p; with momentum μ, buf ← d on step 1, else
/// buf ← μ·buf + (1 − dampening)·d, and d = buf (or d + μ·buf with Nesterov); p ← p − lr·d.
/// State per parameter with momentum: "momentum_buffer" (its value before step 1 is not read); none without.
/// </summary>
public static class Sgd
{
    public const string MomentumBuffer = "momentum_buffer";

    public static OptimizerModel Build(IReadOnlyList<OptimizerParameter> parameters, SgdOptions? options = null)
    {
        options ??= new SgdOptions();
        if (options.Momentum < 0 || double.IsNaN(options.Momentum)) throw new ArgumentException($"SGD momentum must be ≥ 0, not {options.Momentum}.");
        if (options.Nesterov && (options.Momentum == 0 || options.Dampening != 0))
            throw new ArgumentException("Nesterov momentum needs a momentum above 0 and zero dampening (as torch.optim.SGD).");
        var b = new OptimizerGraph("SGD optimizer", parameters, options);
        var grads = b.PreparedGradients();
        bool momentum = options.Momentum != 0;
        // The first step takes the gradient as the buffer (torch clones d when the buffer does not exist yet).
        var first = momentum ? b.Ops.Op("Equal", b.Step, b.Ops.Scalar(1, DataType.Int64)) : null;
        var negLr = b.Ops.Op("Neg", b.LearningRate);

        var slots = new List<OptimizerSlot>();
        for (int i = 0; i < parameters.Count; i++)
        {
            var type = parameters[i].ElemType;
            var p = b.Params[i];
            var d = grads[i];
            if (b.Decayed[i]) d = b.Ops.Op("Add", d, b.Ops.Op("Mul", b.Const(options.WeightDecay, type), p));
            var newStates = new List<Value>();
            if (momentum)
            {
                var buf = b.AddState(i, MomentumBuffer);
                var blended = b.Ops.Op("Add", b.Ops.Op("Mul", buf, b.Const(options.Momentum, type)),
                    b.Ops.Op("Mul", b.Const(1 - options.Dampening, type), d));
                var buf2 = b.Ops.Op("Where", first, d, blended);
                newStates.Add(buf2);
                d = options.Nesterov ? b.Ops.Op("Add", d, b.Ops.Op("Mul", b.Const(options.Momentum, type), buf2)) : buf2;
            }
            var updated = b.Ops.Op("Add", p, b.Ops.Op("Mul", b.ScalarLike(negLr, type), d));
            slots.Add(b.SetOutputs(i, updated, newStates));
        }
        return b.Finish(slots);
    }
}

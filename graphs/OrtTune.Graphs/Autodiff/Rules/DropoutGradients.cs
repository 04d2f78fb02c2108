using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Dropout(data, ratio?, training_mode?) → output, mask?. In training, y = x ⊙ mask / (1 − ratio) with a random
/// mask that the backward pass cannot redraw, so the rule reads the node's own mask output (adding that output
/// when the node has none): dx = g ⊙ mask / (1 − ratio). Out of training mode, or with ratio 0, Dropout is the identity.
/// </summary>
internal static class DropoutGradients
{
    public static void Dropout(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var type = g.ElemType;
        var training = c.OptionalInput(2);
        var trainingValue = GradientContext.ConstantValue(training);
        var ratio = c.OptionalInput(1);
        double? ratioValue = ratio is null ? 0.5
            : GradientContext.ConstantValue(ratio) is { } r && TensorNumbers.ToDoubles(r) is { Length: 1 } d ? d[0] : null;
        if (training is null || (trainingValue is not null && trainingValue.ToInt64Array()[0] == 0) || ratioValue == 0)
        {
            c.SetGrad(0, g);
            return;
        }

        var scale = ratioValue is { } p
            ? o.Scalar(1 / (1 - p), type)
            : o.Op("Reciprocal", o.Op("Sub", o.Scalar(1, type), o.Cast(ratio!, type)));
        var kept = o.Op("Where", Mask(c), o.Op("Mul", g, scale), o.Scalar(0, type));
        // A training_mode computed at run time picks between the two forms.
        c.SetGrad(0, trainingValue is null ? o.Op("Where", training, kept, g) : kept);
    }

    /// <summary>The node's mask output, added to the node (bool, the data's shape) when it has none.</summary>
    private static Value Mask(GradientContext c)
    {
        var node = c.Node;
        if (node.Outputs.Count > 1)
            return node.Outputs[1] ?? throw new NotSupportedException(
                $"{c.Describe()}: the mask output is listed as omitted; give the node a mask output to differentiate it.");
        var data = c.Input(0);
        var mask = new Value(node.Graph!.UniqueName($"{node.Outputs[0]!.Name}_mask"), new TensorType(DataType.Bool, data.Shape));
        node.AppendOutput(mask);
        return mask;
    }
}

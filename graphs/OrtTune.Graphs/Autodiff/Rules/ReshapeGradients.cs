namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Reshape, Flatten, Squeeze and Unsqueeze only relabel the same elements in the same order, so the gradient is the
/// output gradient reshaped to the input's (static) shape, whatever form the target shape or axes were given in.
/// </summary>
internal static class ReshapeGradients
{
    public static void ToInputShape(GradientContext c) =>
        c.SetGrad(0, c.Ops.Reshape(c.OutputGrad(0)!, c.Shape(c.Input(0))));
}

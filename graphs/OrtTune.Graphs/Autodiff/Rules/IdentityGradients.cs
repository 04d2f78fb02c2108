namespace OrtTune.Graphs.Autodiff.Rules;

internal static class IdentityGradients
{
    /// <summary>y = x: the gradient passes through unchanged.</summary>
    public static void Identity(GradientContext c) => c.SetGrad(0, c.OutputGrad(0)!);
}

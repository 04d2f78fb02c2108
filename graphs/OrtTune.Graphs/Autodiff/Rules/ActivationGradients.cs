namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Pointwise activations. Most derivatives are read off the output (tanh, sigmoid, and the sign of the output for
/// the ReLU family), so the forward input can be freed early. At the kink x = 0 they take the left derivative, as PyTorch does.
/// </summary>
internal static class ActivationGradients
{
    /// <summary>y = tanh x: dx = g·(1 − y²).</summary>
    public static void Tanh(GradientContext c)
    {
        var o = c.Ops;
        var y = c.Output(0);
        var slope = o.Op("Sub", o.Scalar(1, y.ElemType), o.Op("Mul", y, y));
        c.SetGrad(0, o.Op("Mul", c.OutputGrad(0)!, slope));
    }

    /// <summary>y = σ(x): dx = g·y·(1 − y).</summary>
    public static void Sigmoid(GradientContext c)
    {
        var o = c.Ops;
        var y = c.Output(0);
        var slope = o.Op("Mul", y, o.Op("Sub", o.Scalar(1, y.ElemType), y));
        c.SetGrad(0, o.Op("Mul", c.OutputGrad(0)!, slope));
    }

    /// <summary>y = max(x, 0): dx = g where y &gt; 0.</summary>
    public static void Relu(GradientContext c)
    {
        var o = c.Ops;
        var y = c.Output(0);
        var zero = o.Scalar(0, y.ElemType);
        c.SetGrad(0, o.Op("Where", o.Op("Greater", y, zero), c.OutputGrad(0)!, zero));
    }

    /// <summary>y = x (x ≥ 0), αx (x &lt; 0): dx = g or α·g. For α ≥ 0, y &gt; 0 exactly where x &gt; 0.</summary>
    public static void LeakyRelu(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        double alpha = c.Node.GetFloat("alpha", 0.01f);
        var basis = alpha >= 0 ? c.Output(0) : c.Input(0);
        var zero = o.Scalar(0, basis.ElemType);
        var scaled = o.Op("Mul", g, o.Scalar(alpha, g.ElemType));
        c.SetGrad(0, o.Op("Where", o.Op("Greater", basis, zero), g, scaled));
    }

    /// <summary>
    /// y = x (x &gt; 0), α(eˣ − 1) (x ≤ 0): dx = g, or g·(y + α) = g·α·eˣ. For α ≥ 0, y &gt; 0 exactly where x &gt; 0,
    /// so the output alone suffices.
    /// </summary>
    public static void Elu(GradientContext c)
    {
        var o = c.Ops;
        var g = c.OutputGrad(0)!;
        var y = c.Output(0);
        double alpha = c.Node.GetFloat("alpha", 1f);
        var basis = alpha >= 0 ? y : c.Input(0);
        var zero = o.Scalar(0, y.ElemType);
        var left = o.Op("Mul", g, o.Op("Add", y, o.Scalar(alpha, y.ElemType)));
        c.SetGrad(0, o.Op("Where", o.Op("Greater", basis, zero), g, left));
    }

    /// <summary>y = ln(1 + eˣ): dx = g·σ(x).</summary>
    public static void Softplus(GradientContext c) =>
        c.SetGrad(0, c.Ops.Op("Mul", c.OutputGrad(0)!, c.Ops.Op("Sigmoid", c.Input(0))));
}

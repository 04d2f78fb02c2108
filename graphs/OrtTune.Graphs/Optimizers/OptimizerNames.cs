namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// Input and output names of optimizer models. Per parameter p: inputs p, <see cref="Gradient"/>(p) and its state
/// (<see cref="State"/>(p, "exp_avg") …, torch's state names); outputs <see cref="Updated"/> of the parameter and of
/// each state, which the runner feeds back as the inputs of the same names on the next step.
/// </summary>
public static class OptimizerNames
{
    /// <summary>float scalar: the learning rate of this step (schedules live in the runner).</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>int64 scalar, 1-based: the number of the step being taken (1 on the first update).</summary>
    public const string Step = "step";

    /// <summary>
    /// Optional float scalar multiplying every gradient before anything else (default 1 when not fed). Gradient
    /// accumulation feeds the sum of k micro-batch gradients with grad_scale = 1/k, so clipping and the update see
    /// their mean.
    /// </summary>
    public const string GradScale = "grad_scale";

    /// <summary>float scalar output: global L2 norm of the (scaled) gradients before clipping, for logging.</summary>
    public const string GradNorm = "grad_norm";

    /// <summary>Gradient input of parameter <paramref name="parameter"/> (the training graph's output name).</summary>
    public static string Gradient(string parameter) => parameter + "_grad";

    /// <summary>Optimizer state input, e.g. "w.exp_avg".</summary>
    public static string State(string parameter, string state) => parameter + "." + state;

    /// <summary>Output holding the new value of input <paramref name="input"/> (a parameter or a state).</summary>
    public static string Updated(string input) => input + ".updated";
}

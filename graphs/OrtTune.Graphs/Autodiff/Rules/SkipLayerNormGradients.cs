using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// ORT's SkipLayerNormalization (input, skip, gamma, beta?, bias?) and SkipSimplifiedLayerNormalization (input, skip,
/// gamma, bias?): s = input + skip (+ bias), normalised over the last axis, y = ŝ ⊙ gamma (+ beta); outputs y,
/// mean?, inv_std_var?, s?. skip may lack the leading dims of input (ORT broadcasts it).
/// </summary>
internal static class SkipLayerNormGradients
{
    private const float DefaultEpsilon = 1e-12f; // ORT's schema default for the Skip ops

    public static void SkipLayerNormalization(GradientContext c) => Normalize(c, centred: true, beta: 3, bias: 4);

    public static void SkipSimplifiedLayerNormalization(GradientContext c) => Normalize(c, centred: false, beta: -1, bias: 3);

    private static void Normalize(GradientContext c, bool centred, int beta, int bias)
    {
        var o = c.Ops;
        var input = c.Input(0);
        var gamma = c.Input(2);
        var biasValue = c.OptionalInput(bias);
        var g = c.OutputGrad(0);
        // The sum is an optional output; read it when the node writes it instead of adding again (and only when
        // the normalisation is needed at all: beta's gradient is g alone).
        var norm = new Lazy<NormalizationBackward>(() =>
        {
            var sum = c.Node.Outputs.Count > 3 && c.Node.Outputs[3] is { } written
                ? written
                : Add(o, Add(o, input, c.Input(1)), biasValue);
            return new NormalizationBackward(o, sum, -1, c.Node.GetFloat("epsilon", DefaultEpsilon), centred);
        });

        if (c.NeedsGrad(0) || c.NeedsGrad(1) || (biasValue is not null && c.NeedsGrad(bias)))
        {
            var parts = new List<Value>();
            var gMean = centred ? c.OutputGrad(1) : null;
            var gInvStd = c.OutputGrad(2);
            if ((g ?? gMean ?? gInvStd) is not null
                && norm.Value.InputGrad(g is null ? null : o.Op("Mul", g, gamma), gMean, gInvStd) is { } dNorm)
                parts.Add(dNorm);
            if (c.OutputGrad(3) is { } gSum) parts.Add(gSum);
            if (parts.Count == 0) return; // only SkipSimplified's unused mean output was read
            var ds = o.Sum(parts);
            if (c.NeedsGrad(0)) c.SetGrad(0, o.Unbroadcast(ds, input));
            if (c.NeedsGrad(1)) c.SetGrad(1, o.Unbroadcast(ds, c.Input(1)));
            if (biasValue is not null && c.NeedsGrad(bias)) c.SetGrad(bias, o.Unbroadcast(ds, biasValue));
        }
        if (g is null) return;
        if (c.NeedsGrad(2)) c.SetGrad(2, o.Unbroadcast(o.Op("Mul", g, norm.Value.XHat), gamma));
        if (beta >= 0 && c.OptionalInput(beta) is { } betaValue && c.NeedsGrad(beta)) c.SetGrad(beta, o.Unbroadcast(g, betaValue));
    }

    private static Value Add(OpBuilder o, Value a, Value? b) => b is null ? a : o.Op("Add", a, b);
}

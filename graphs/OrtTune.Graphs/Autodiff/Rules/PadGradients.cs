using OrtTune.Graphs.Diagnostics;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// Pad in constant mode: the data's gradient is the output gradient with the padding sliced off (and, where a
/// negative pad cropped the data, zeros padded back on); the pad value's gradient is the sum over the padding.
/// </summary>
internal static class PadGradients
{
    public static void Pad(GradientContext c)
    {
        var mode = c.Node.GetString("mode", "constant");
        if (mode != "constant")
            throw new OrtTuneException($"No {c.Describe()} in mode '{mode}': only constant padding has a gradient rule.");
        var o = c.Ops;
        var x = c.Input(0);
        var size = c.Shape(x);
        int rank = size.Length;
        var (begin, end) = Pads(c, rank);
        var outSize = c.Shape(c.Output(0));
        var g = c.OutputGrad(0)!;

        // The part of the output that holds data: drop positive pads.
        var axes = Enumerable.Range(0, rank).Where(a => begin[a] > 0 || end[a] > 0).Select(a => (long)a).ToArray();
        var inner = axes.Length == 0 ? g
            : o.Slice(g, axes.Select(a => Math.Max(begin[a], 0)).ToArray(), axes.Select(a => outSize[a] - Math.Max(end[a], 0)).ToArray(), axes);

        if (c.NeedsGrad(0))
        {
            // Negative pads cropped the data; the cropped elements get zero gradient.
            var crop = new long[2 * rank];
            for (int a = 0; a < rank; a++)
            {
                crop[a] = Math.Max(-begin[a], 0);
                crop[rank + a] = Math.Max(-end[a], 0);
            }
            c.SetGrad(0, o.PadZeros(inner, crop));
        }
        if (c.Opset >= 11 && c.OptionalInput(2) is { } value && c.NeedsGrad(2))
        {
            var all = Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
            var padding = o.Op("Sub", o.ReduceSum(g, all, keepDims: false), o.ReduceSum(inner, all, keepDims: false));
            c.SetGrad(2, o.Reshape(padding, c.Shape(value)));
        }
    }

    /// <summary>Begin and end pads for every axis: attribute before opset 11, input after; axes input from 18.</summary>
    private static (long[] Begin, long[] End) Pads(GradientContext c, int rank)
    {
        var pads = c.Opset < 11
            ? c.Node.GetInts("pads") ?? throw new InvalidOperationException($"{c.Describe()}: no 'pads'.")
            : c.ConstantInts(1)!;
        var axes = (c.Opset >= 18 ? c.ConstantInts(3) : null) ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        var begin = new long[rank];
        var end = new long[rank];
        for (int k = 0; k < axes.Length; k++)
        {
            int a = (int)GradientContext.Axis(axes[k], rank);
            begin[a] = pads[k];
            end[a] = pads[k + axes.Length];
        }
        return (begin, end);
    }
}

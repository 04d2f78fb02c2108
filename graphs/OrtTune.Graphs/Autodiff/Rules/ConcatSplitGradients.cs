using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>Concat and Split are each other's backward pass along the same axis.</summary>
internal static class ConcatSplitGradients
{
    /// <summary>Each input's gradient is its own stretch of the output gradient along the axis.</summary>
    public static void Concat(GradientContext c)
    {
        var g = c.OutputGrad(0)!;
        int rank = c.Shape(c.Output(0)).Length;
        long axis = GradientContext.Axis(c.GetInt("axis", 0), rank);
        long offset = 0;
        for (int i = 0; i < c.Node.Inputs.Count; i++)
        {
            long size = c.Shape(c.Input(i))[axis];
            if (c.NeedsGrad(i)) c.SetGrad(i, c.Ops.Slice(g, [offset], [offset + size], [axis]));
            offset += size;
        }
    }

    /// <summary>
    /// The input's gradient is the outputs' gradients joined again, zeros standing in for outputs the loss does not
    /// read. The output shapes are static, so this holds for every form of the sizes (input, attribute,
    /// num_outputs or equal parts).
    /// </summary>
    public static void Split(GradientContext c)
    {
        int rank = c.Shape(c.Input(0)).Length;
        long axis = GradientContext.Axis(c.GetInt("axis", 0), rank);
        var parts = Enumerable.Range(0, c.Node.Outputs.Count).Select(c.OutputGradOrZeros).ToArray();
        c.SetGrad(0, parts.Length == 1 ? parts[0] : c.Ops.Op("Concat", parts, Attribute.Of("axis", axis)));
    }
}

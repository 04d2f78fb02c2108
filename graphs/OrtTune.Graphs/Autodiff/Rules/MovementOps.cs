using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// The data-movement ops the backward rules build, each written in the form the model's operator set expects
/// (Slice and Pad moved their parameters from attributes to inputs at opsets 10 and 11).
/// </summary>
internal static class MovementOps
{
    /// <summary>Scatter with reduction="add", which repeated indices need, exists from this opset on.</summary>
    public const long ScatterAddOpset = 16;

    public static Value Slice(this OpBuilder o, Value x, long[] starts, long[] ends, long[] axes, long[]? steps = null)
    {
        if (o.Opset >= 10)
            return steps is null
                ? o.Op("Slice", x, o.Ints(starts), o.Ints(ends), o.Ints(axes))
                : o.Op("Slice", x, o.Ints(starts), o.Ints(ends), o.Ints(axes), o.Ints(steps));
        if (steps is not null && steps.Any(s => s != 1))
            throw new InvalidOperationException($"Slice with steps needs opset 10 or later; the model imports opset {o.Opset}.");
        return o.Op("Slice", [x], Attribute.Of("starts", starts), Attribute.Of("ends", ends), Attribute.Of("axes", axes));
    }

    /// <summary>Zero padding; <paramref name="pads"/> is [begin₀…beginᵣ₋₁, end₀…endᵣ₋₁] as in ONNX, all ≥ 0.</summary>
    public static Value PadZeros(this OpBuilder o, Value x, long[] pads)
    {
        if (pads.All(p => p == 0)) return x;
        return o.Opset >= 11
            ? o.Op("Pad", x, o.Ints(pads))
            : o.Op("Pad", [x], Attribute.Of("pads", pads));
    }

    /// <summary>Scatter-add of the gradient of a gather; refuses below opset 16, where no scatter can add.</summary>
    public static void RequireScatterAdd(GradientContext c)
    {
        if (c.Opset < ScatterAddOpset)
            throw new OrtTuneException(
                $"The {c.Describe()} adds up rows picked by data-dependent indices, which needs ScatterND/ScatterElements " +
                $"with reduction=\"add\" (opset {ScatterAddOpset} or later), but the model imports opset {c.Opset}. " +
                $"Run the {nameof(Passes.OpsetUpgrade)} pass on the model first.");
    }

    public static Value ScatterAdd(this OpBuilder o, string opType, Value data, Value indices, Value updates, params Attribute[] extra) =>
        o.Op(opType, [data, indices, updates], [Attribute.Of("reduction", "add"), .. extra]);

    /// <summary>ScatterND and GatherND take int64 indices only; Gather and GatherElements also accept int32.</summary>
    public static Value Int64Indices(this OpBuilder o, Value indices) => o.Cast(indices, DataType.Int64);
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Shape and Size: facts about a tensor's dimensions as int64 tensors.</summary>
internal static class ShapeKernels
{
    /// <summary>Shape, with the optional start/end attributes of opset 15 (clamped like Python slicing).</summary>
    public static Tensor Shape(KernelArgs a)
    {
        a.AtMostInputs(1);
        var x = a.Input(0);
        int rank = x.Rank;
        long start = Clamp(a.Node.GetInt("start", 0), rank);
        long end = Clamp(a.Node.GetInt("end", rank), rank);
        return Tensor.Vector(x.Dims.Skip((int)start).Take((int)Math.Max(0, end - start)).ToArray());
    }

    public static Tensor Size(KernelArgs a)
    {
        a.AtMostInputs(1);
        return Tensor.Scalar(a.Input(0).ElementCount);
    }

    private static long Clamp(long index, int rank) => Math.Clamp(index < 0 ? index + rank : index, 0, rank);
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Concat along an axis.</summary>
internal static class ConcatKernels
{
    public static Tensor Concat(KernelArgs a)
    {
        if (a.InputCount == 0) throw a.Fail("needs at least one input.");
        var parts = Enumerable.Range(0, a.InputCount).Select(a.Input).ToArray();
        var type = a.SameType(parts);
        var first = parts[0];
        if (!(a.Node.Attr("axis") is { } axisAttr)) throw a.Fail("attribute 'axis' is required.");
        int axis = a.Axis(axisAttr.AsInt(), first.Rank);
        var dims = first.Dims.ToArray();
        dims[axis] = 0;
        foreach (var part in parts)
        {
            bool fits = part.Rank == first.Rank;
            for (int d = 0; fits && d < dims.Length; d++) fits = d == axis || part.Dims[d] == first.Dims[d];
            if (!fits)
                throw a.Fail($"cannot concatenate [{string.Join(",", part.Dims)}] with [{string.Join(",", first.Dims)}] on axis {axis}.");
            dims[axis] += part.Dims[axis];
        }

        // Each input contributes one contiguous block per index of the axes before `axis`.
        long outer = TensorMath.Count(dims, 0, axis), inner = TensorMath.Count(dims, axis + 1, dims.Length);
        var result = ElementArray.Allocate(type, TensorMath.Count(dims));
        var sources = parts.Select(ElementArray.Of).ToArray();
        long at = 0;
        for (long o = 0; o < outer; o++)
            for (int k = 0; k < parts.Length; k++)
            {
                long block = parts[k].Dims[axis] * inner;
                sources[k].CopyTo(o * block, result, at, block);
                at += block;
            }
        return result.ToTensor(dims);
    }
}

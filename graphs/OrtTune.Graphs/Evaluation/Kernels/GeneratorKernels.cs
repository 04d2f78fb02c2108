using System.Numerics;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Evaluation.Kernels;

/// <summary>Ops that make a tensor from attributes or a few scalars: Constant, ConstantOfShape, Range.</summary>
internal static class GeneratorKernels
{
    private static readonly string[] ConstantAttributes =
        ["value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints", "value_string", "value_strings"];

    /// <summary>Constant: exactly one of value, sparse_value or the value_* attributes.</summary>
    public static Tensor Constant(KernelArgs a)
    {
        a.AtMostInputs(0);
        var present = ConstantAttributes.Where(n => a.Node.Attr(n) is not null).ToArray();
        if (present.Length != 1)
            throw a.Fail($"needs exactly one of the attributes {string.Join(", ", ConstantAttributes)}; it has {present.Length}.");
        var attr = a.Node.Attr(present[0])!;
        return attr.Name switch
        {
            "value" => attr.AsTensor(),
            "sparse_value" => Densify(a, (SparseTensor)attr.Value),
            "value_float" => Tensor.Scalar(attr.AsFloat()),
            "value_floats" => Tensor.Vector(attr.AsFloats()),
            "value_int" => Tensor.Scalar(attr.AsInt()),
            "value_ints" => Tensor.Vector(attr.AsInts()),
            "value_string" => Tensor.FromStrings([], [attr.AsBytes()]),
            _ => Tensor.FromStrings([((byte[][])attr.Value).Length], (byte[][])attr.Value),
        };
    }

    /// <summary>A sparse constant written out densely; indices are linear [NNZ] or coordinates [NNZ, rank].</summary>
    private static Tensor Densify(KernelArgs a, SparseTensor sparse)
    {
        var values = sparse.Values;
        var indices = a.Ints(sparse.Indices, "sparse indices");
        long nnz = values.ElementCount;
        var strides = TensorMath.Strides(sparse.Dims);
        long count = TensorMath.Count(sparse.Dims);
        bool coordinates = sparse.Indices.Rank == 2;
        if (indices.Length != (coordinates ? nnz * sparse.Dims.Length : nnz))
            throw a.Fail($"sparse_value has {nnz} values but indices of shape [{string.Join(",", sparse.Indices.Dims)}].");
        var dense = ElementArray.Allocate(values.DataType, count);
        var source = ElementArray.Of(values);
        for (long i = 0; i < nnz; i++)
        {
            long offset = 0;
            if (coordinates)
                for (int d = 0; d < strides.Length; d++) offset += indices[i * strides.Length + d] * strides[d];
            else offset = indices[i];
            if (offset < 0 || offset >= count) throw a.Fail($"sparse_value index {offset} is out of range.");
            source.CopyTo(i, dense, offset, 1);
        }
        return dense.ToTensor(sparse.Dims.ToArray());
    }

    /// <summary>ConstantOfShape: a tensor of the given shape filled with value (default float 0); an empty shape gives a scalar.</summary>
    public static Tensor ConstantOfShape(KernelArgs a)
    {
        a.AtMostInputs(1);
        var dims = a.Ints(a.Input(0), "shape");
        if (dims.Any(d => d < 0)) throw a.Fail($"shape [{string.Join(",", dims)}] has a negative dimension.");
        var value = a.Node.Attr("value")?.AsTensor() ?? Tensor.Scalar(0f);
        if (value.ElementCount != 1) throw a.Fail($"value must have one element, not {value.ElementCount}.");
        var result = ElementArray.Allocate(value.DataType, TensorMath.Count(dims));
        result.Fill(ElementArray.Of(value), 0);
        return result.ToTensor(dims);
    }

    /// <summary>Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements start + i * delta.</summary>
    public static Tensor Range(KernelArgs a)
    {
        a.AtMostInputs(3);
        Tensor start = a.Input(0), limit = a.Input(1), delta = a.Input(2);
        foreach (var t in new[] { start, limit, delta })
            if (t.ElementCount != 1) throw a.Fail($"start, limit and delta must be scalars; one has shape [{string.Join(",", t.Dims)}].");
        return Numeric.Dispatch(a, a.SameType(start, limit, delta), new RangeKernel(a, start, limit, delta));
    }

    private readonly struct RangeKernel(KernelArgs a, Tensor startT, Tensor limitT, Tensor deltaT) : INumericKernel
    {
        public Tensor Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            T start = startT.AsSpan<T>()[0], limit = limitT.AsSpan<T>()[0], delta = deltaT.AsSpan<T>()[0];
            if (delta == T.Zero) throw a.Fail("delta is 0.");
            long count;
            if (Numeric.IsFloat<T>())
            {
                double n = Math.Ceiling(double.CreateTruncating(limit - start) / double.CreateTruncating(delta));
                if (double.IsNaN(n) || n > Array.MaxLength) throw a.Fail($"cannot make a range from {start} to {limit} by {delta}.");
                count = (long)Math.Max(n, 0);
            }
            else
            {
                // Exact ceiling division; Int128 holds any difference of two 64-bit integers.
                Int128 diff = Int128.CreateTruncating(limit) - Int128.CreateTruncating(start), step = Int128.CreateTruncating(delta);
                Int128 n = diff / step;
                if (diff % step != 0 && (diff > 0) == (step > 0)) n++;
                if (n > Array.MaxLength) throw a.Fail($"a range from {start} to {limit} by {delta} is too long.");
                count = (long)Int128.Max(n, 0);
            }
            var values = new T[count];
            for (long i = 0; i < count; i++) values[i] = start + T.CreateTruncating(i) * delta;
            return Tensor.FromArray(values, count);
        }
    }
}

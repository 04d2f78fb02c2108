using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using ValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// Merges an inferred type with the type a value already carries (value_info from the file, or an earlier run):
/// inference wins where it knows more, a declared size fills a dimension inference could not tell, and two
/// different known sizes are an error.
/// </summary>
internal static class DeclaredTypes
{
    public static ValueType? Merge(Value value, ValueType? inferred)
    {
        var declared = value.Type;
        if (inferred is null) return declared;
        if (declared is not TensorType d || inferred is not TensorType i) return inferred;
        if (d.ElemType != DataType.Undefined && i.ElemType != DataType.Undefined && d.ElemType != i.ElemType)
            throw Conflict(value, $"declared element type {d.ElemType.OnnxName()} but inferred {i.ElemType.OnnxName()}");
        var elem = i.ElemType != DataType.Undefined ? i.ElemType : d.ElemType;
        return new TensorType(elem, MergeShapes(i.Shape, d.Shape, value, "declared"));
    }

    /// <summary>Merges two descriptions of one shape, preferring <paramref name="preferred"/>'s named dims.</summary>
    public static Shape? MergeShapes(Shape? preferred, Shape? other, Value value, string otherName)
    {
        if (preferred is null) return other;
        if (other is null) return preferred;
        if (preferred.Rank != other.Rank)
            throw Conflict(value, $"{otherName} shape {other} has rank {other.Rank} but inferred shape {preferred} has rank {preferred.Rank}");
        var dims = new Dim[preferred.Rank];
        for (int k = 0; k < dims.Length; k++)
            dims[k] = DimAlgebra.Merge(preferred[k], other[k])
                      ?? throw Conflict(value, $"{otherName} shape {other} and inferred shape {preferred} differ in dimension {k}");
        return new Shape(dims);
    }

    private static ShapeException Conflict(Value value, string what)
    {
        string where = value.Producer is { } p ? $" (output of {InferenceContext.Describe(p)})" : "";
        return new ShapeException($"Shape inference: value '{value.Name}'{where}: {what}.");
    }
}

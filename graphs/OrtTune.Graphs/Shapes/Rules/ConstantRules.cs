using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Constant (whose value is known by definition) and ConstantOfShape.</summary>
internal static class ConstantRules
{
    public static void Constant(InferenceContext ctx)
    {
        var attr = ctx.Node.Attributes.Values.FirstOrDefault(a => a.Name.StartsWith("value", StringComparison.Ordinal) || a.Name == "sparse_value")
                   ?? throw ctx.Error("Constant has no value attribute.");
        Tensor? value = attr.Name switch
        {
            "value" => attr.AsTensor(),
            "value_float" => Tensor.Scalar(attr.AsFloat()),
            "value_floats" => Tensor.Vector(attr.AsFloats()),
            "value_int" => Tensor.Scalar(attr.AsInt()),
            "value_ints" => Tensor.Vector(attr.AsInts()),
            "value_string" => Tensor.FromStrings([], [attr.AsBytes()]),
            "value_strings" => Tensor.FromStrings([attr.AsStrings().Length], attr.AsStrings()),
            _ => null,
        };
        if (value is null)
        {
            // A sparse constant: its dense shape is in the attribute.
            var sparse = (SparseTensor)attr.Value;
            ctx.SetOutput(0, sparse.Values.DataType, new Shape(sparse.Dims));
            return;
        }
        ctx.SetOutput(0, value.DataType, value.Shape);
        ctx.SetOutputValue(0, value);
    }

    public static void ConstantOfShape(InferenceContext ctx)
    {
        var elem = ctx.Attr("value")?.AsTensor().DataType ?? DataType.Float;
        if (ctx.ShapeValue(0) is { } target)
        {
            if (target.Any(t => t.Value < 0)) throw ctx.Error($"negative dimension in [{string.Join(", ", target)}].");
            ctx.SetOutput(0, elem, target.Select(t => t.ToDim()));
            // A 1-D fill of a whole number is a shape value too (torch's Expand exports build [1, 1, ...] this way).
            if (target is [{ Value: long n }] && n <= 4096 && ctx.Attr("value")?.AsTensor() is { } fill
                && TensorNumbers.ToIntegers(fill) is [var v])
                ctx.SetShapeValue(0, Enumerable.Repeat(SymbolicInt.Known(v), (int)n).ToArray());
        }
        else
        {
            ctx.SetOutput(0, elem, ctx.InputShape(0) is [{ Value: long n }] ? Enumerable.Repeat(Dim.Unknown, (int)n) : null);
            ctx.NoteUnknown("the ConstantOfShape shape is not known");
        }
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Operators whose first output has exactly the type and shape of the first input.</summary>
internal static class UnaryRules
{
    /// <summary>Unary math, activations, Softmax, Trilu, CumSum, Scatter*, RotaryEmbedding...</summary>
    public static void SameAsInput(InferenceContext ctx) => ctx.SetOutput(0, ctx.Input(0)?.Type);

    /// <summary>Same as input, checking an 'axis' attribute (Softmax, LogSoftmax, CumSum's is an input).</summary>
    public static void SameAsInputWithAxis(InferenceContext ctx)
    {
        long fallback = ctx.Node.OpType is "Softmax" or "LogSoftmax" or "Hardmax" && ctx.Opset < 13 ? 1 : -1;
        if (ctx.InputRank(0) is int rank && rank > 0) ctx.Axis(ctx.GetInt("axis", fallback), rank);
        SameAsInput(ctx);
    }

    /// <summary>Identity passes values through unchanged, symbolic ones included.</summary>
    public static void Identity(InferenceContext ctx)
    {
        SameAsInput(ctx);
        if (ctx.ShapeValue(0) is { } value && ctx.InputRank(0) is <= 1) ctx.SetShapeValue(0, value);
    }

    /// <summary>IsNaN, IsInf: a bool per element.</summary>
    public static void Predicate(InferenceContext ctx) => ctx.SetOutput(0, DataType.Bool, ctx.InputShape(0));
}

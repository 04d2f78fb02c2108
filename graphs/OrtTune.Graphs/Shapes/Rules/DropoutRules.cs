using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Dropout: output like the input; the optional mask is bool (opset 10+; the input's type before).</summary>
internal static class DropoutRules
{
    public static void Dropout(InferenceContext ctx)
    {
        ctx.SetOutput(0, ctx.InputType(0));
        ctx.SetOutput(1, ctx.Opset >= 10 ? DataType.Bool : ctx.InputElemType(0), ctx.InputShape(0));
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>NonZero: [rank, count of non-zeros]; the count depends on the data, so it is unknown unless the input is.</summary>
internal static class NonZeroRules
{
    public static void NonZero(InferenceContext ctx)
    {
        var rank = ctx.InputRank(0) is int r ? Dim.Known(r) : Dim.Unknown;
        ctx.SetOutput(0, DataType.Int64, [rank, Dim.Unknown]);
        ctx.NoteUnknown("the number of non-zero elements depends on the data");
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Range: length max(ceil((limit - start) / delta), 0); Range(0, seq, 1) has length seq.</summary>
internal static class RangeRules
{
    public static void Range(InferenceContext ctx)
    {
        var elem = new[] { 0, 1, 2 }.Select(ctx.InputElemType).FirstOrDefault(t => t != DataType.Undefined);
        for (int i = 0; i < 3; i++)
            if (ctx.InputRank(i) is int r && r != 0 && ctx.InputShape(i)!.ElementCount != 1)
                throw ctx.Error($"input {i} must be a scalar.");

        Dim length = Dim.Unknown;
        if (ctx.KnownDoubles(0) is [var start] && ctx.KnownDoubles(1) is [var limit] && ctx.KnownDoubles(2) is [var delta])
        {
            if (delta == 0) throw ctx.Error("delta is zero.");
            length = Dim.Known((long)Math.Max(Math.Ceiling((limit - start) / delta), 0));
        }
        else if (ctx.ShapeValue(0) is [{ Value: 0 }] && ctx.ShapeValue(2) is [{ Value: 1 }] && ctx.ShapeValue(1) is [var end])
            length = end.Value < 0 ? Dim.Known(0) : end.ToDim();
        ctx.SetOutput(0, elem, [length]);
        if (!length.IsKnown && !length.IsSymbolic) ctx.NoteUnknown("the Range bounds are not known");
    }
}

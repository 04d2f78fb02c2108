using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>Split: sizes from the 'split' attribute (before 13) or input (13+), or num_outputs (18+), else equal parts.</summary>
internal static class SplitRules
{
    public static void Split(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        int n = ctx.OutputCount;
        var data = ctx.InputShape(0);
        if (data is null)
        {
            for (int i = 0; i < n; i++) ctx.SetOutput(i, elem, null);
            return;
        }
        int axis = ctx.Axis(ctx.GetInt("axis", 0), data.Rank);
        var dim = data[axis];

        long[]? sizes = null;
        bool unknownSizes = false;
        if (ctx.Opset >= 13 && ctx.HasInput(1))
        {
            sizes = ctx.KnownInts(1);
            unknownSizes = sizes is null;
        }
        else if (ctx.Opset < 13) sizes = ctx.GetInts("split");

        var parts = new Dim[n];
        if (sizes is not null)
        {
            if (sizes.Length != n) throw ctx.Error($"{sizes.Length} split sizes for {n} outputs.");
            if (sizes.Any(s => s < 0)) throw ctx.Error("a split size is negative.");
            if (dim.Value is long total && sizes.Sum() != total)
                throw ctx.Error($"split sizes [{string.Join(", ", sizes)}] do not add up to dimension {total}.");
            for (int i = 0; i < n; i++) parts[i] = Dim.Known(sizes[i]);
        }
        else if (unknownSizes || dim.Value is not long total)
        {
            Array.Fill(parts, Dim.Unknown);
            ctx.NoteUnknown(unknownSizes ? "the split sizes are not known" : "the split axis has no known size");
        }
        else if (ctx.Opset >= 18 && ctx.Attr("num_outputs") is { } numOutputs)
        {
            // num_outputs: equal chunks of ceil(size / n), the last one smaller.
            long count = numOutputs.AsInt();
            if (count != n) throw ctx.Error($"num_outputs is {count} but the node has {n} outputs.");
            long chunk = (total + count - 1) / count;
            for (int i = 0; i < n; i++) parts[i] = Dim.Known(Math.Max(Math.Min(chunk, total - chunk * i), 0));
        }
        else
        {
            if (total % n != 0) throw ctx.Error($"dimension {total} cannot be split into {n} equal parts.");
            Array.Fill(parts, Dim.Known(total / n));
        }
        for (int i = 0; i < n; i++) ctx.SetOutput(i, elem, data.WithDim(axis, parts[i]));
    }
}

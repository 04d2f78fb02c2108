using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// Slice: attributes before opset 10, inputs from 10 on. Bounds may be symbolic (cos_cache[:seq]); shape values
/// are sliced element by element (Slice(Shape(x), -1) is the last dim).
/// </summary>
internal static class SliceRules
{
    public static void Slice(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var data = ctx.InputShape(0);
        if (data is null)
        {
            ctx.SetOutput(0, elem, null);
            return;
        }
        SymbolicInt[]? starts, ends;
        long[]? axes, steps;
        if (ctx.Opset < 10)
        {
            starts = Known(ctx.GetInts("starts"));
            ends = Known(ctx.GetInts("ends"));
            axes = ctx.GetInts("axes");
            steps = null;
            if (starts is null || ends is null) throw ctx.Error("Slice needs starts and ends.");
        }
        else
        {
            starts = ctx.ShapeValue(1);
            ends = ctx.ShapeValue(2);
            axes = ctx.HasInput(3) ? ctx.KnownInts(3) : null;
            steps = ctx.HasInput(4) ? ctx.KnownInts(4) : null;
            bool axesUnknown = ctx.HasInput(3) && axes is null, stepsUnknown = ctx.HasInput(4) && steps is null;
            if (starts is null || ends is null || axesUnknown || stepsUnknown)
            {
                // Sliced axes get unknown sizes; if even the axes are unknown, every dim may change.
                var sliced = axes is not null ? ctx.Axes(axes, data.Rank) : null;
                ctx.SetOutput(0, elem, data.Select((d, i) => sliced is null || sliced.Contains(i) ? Dim.Unknown : d));
                ctx.NoteUnknown("the Slice bounds are not known");
                return;
            }
        }
        if (starts.Length != ends.Length) throw ctx.Error($"{starts.Length} starts but {ends.Length} ends.");
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, starts.Length).ToArray();
        if (axes.Length != starts.Length || steps.Length != starts.Length) throw ctx.Error("starts, ends, axes and steps differ in length.");
        var normalized = ctx.Axes(axes, data.Rank);

        var dims = Enumerable.ToArray(data);
        var ranges = new (long Start, long Step, long Count)?[data.Rank];
        for (int k = 0; k < normalized.Length; k++)
        {
            int a = normalized[k];
            if (steps[k] == 0) throw ctx.Error("a step is zero.");
            var (start, end, step) = (starts[k], ends[k], steps[k]);
            if (start.Value is long s && end.Value is long e && data[a].Value is long size)
            {
                var r = Resolve(s, e, step, size);
                ranges[a] = r;
                dims[a] = Dim.Known(r.Count);
            }
            else if (start.Value == 0 && step == 1 && end.Value >= int.MaxValue) { /* the whole axis: dim unchanged */ }
            else if (start.Value == 0 && step == 1 && end.IsSymbolic && (data[a] == end.ToDim() || ctx.Options.AssumeSymbolicSliceEndsInRange))
                dims[a] = end.ToDim();
            else
            {
                dims[a] = Dim.Unknown;
                ctx.NoteUnknown("the Slice bounds are not known");
            }
        }
        ctx.SetOutput(0, elem, dims);

        if (data.Rank == 1 && ctx.ShapeValue(0) is { } value && ranges[0] is var (first, stride, count))
            ctx.SetShapeValue(0, Enumerable.Range(0, (int)count).Select(i => value[first + i * stride]).ToArray());
    }

    private static SymbolicInt[]? Known(long[]? values) => values is null ? null : Array.ConvertAll(values, SymbolicInt.Known);

    /// <summary>First index, step and element count of a slice of an axis of <paramref name="size"/>, clamped as ONNX says.</summary>
    private static (long Start, long Step, long Count) Resolve(long start, long end, long step, long size)
    {
        if (start < 0) start += size;
        if (end < 0) end += size;
        long count;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            count = end > start ? (end - start + step - 1) / step : 0;
        }
        else
        {
            start = Math.Clamp(start, 0, size - 1);
            end = Math.Clamp(end, -1, size - 1);
            count = start > end ? (start - end - step - 1) / -step : 0;
        }
        return (start, step, count);
    }
}

using OrtTune.Graphs.IR;
using ValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// If, Loop and Scan: their bodies are inferred as subgraphs and the outputs take the bodies' output types. Where
/// a body gives nothing usable the outputs stay unknown; control flow never stops inference.
/// </summary>
internal static class ControlFlowRules
{
    public static void If(InferenceContext ctx)
    {
        var thenTypes = Branch(ctx, "then_branch");
        var elseTypes = Branch(ctx, "else_branch");
        bool? cond = ctx.KnownInts(0) is [var c] ? c != 0 : null;
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var t = At(thenTypes, i);
            var e = At(elseTypes, i);
            ctx.SetOutput(i, cond switch { true => t, false => e, null => Join(t, e) });
        }
    }

    private static IReadOnlyList<ValueType?> Branch(InferenceContext ctx, string name) =>
        ctx.Attr(name) is { Kind: AttributeKind.Graph } a ? ctx.InferSubgraph(a.AsGraph(), []) : [];

    /// <summary>Loop(M, cond, v_initial...) with body (iter, cond, v...) → (cond, v..., scan_outputs...).</summary>
    public static void Loop(InferenceContext ctx)
    {
        int carried = Math.Max(ctx.InputCount - 2, 0);
        var inputTypes = new List<ValueType?>
        {
            new TensorType(DataType.Int64, Shape.Scalar),
            new TensorType(DataType.Bool, Shape.Scalar),
        };
        for (int i = 0; i < carried; i++) inputTypes.Add(ctx.Input(2 + i)?.Type);
        var body = ctx.Attr("body") is { Kind: AttributeKind.Graph } a ? ctx.InferSubgraph(a.AsGraph(), inputTypes) : [];

        // A carried value's type may change between iterations: keep what the initial value and the body agree on.
        for (int i = 0; i < carried; i++) ctx.SetOutput(i, Join(ctx.Input(2 + i)?.Type, At(body, 1 + i)));
        // The trip count is M only when no condition can end the loop early.
        var trips = !ctx.HasInput(1) && ctx.KnownScalarInt(0) is long m ? Dim.Known(m) : Dim.Unknown;
        for (int k = carried; k < ctx.OutputCount; k++)
            ctx.SetOutput(k, Stacked(At(body, 1 + k), trips, 0));
    }

    /// <summary>Scan (opset 9+): N state variables then M scan inputs sliced along their scan axes.</summary>
    public static void Scan(InferenceContext ctx)
    {
        if (ctx.Opset < 9 || ctx.Attr("body") is not { Kind: AttributeKind.Graph } attr)
        {
            for (int i = 0; i < ctx.OutputCount; i++) ctx.SetOutput(i, null);
            ctx.NoteUnknown("Scan before opset 9 is not supported by shape inference");
            return;
        }
        int scanInputs = (int)ctx.GetInt("num_scan_inputs", 0);
        int states = ctx.InputCount - scanInputs;
        if (scanInputs <= 0 || states < 0) throw ctx.Error($"num_scan_inputs {scanInputs} does not fit {ctx.InputCount} inputs.");
        var inputAxes = ctx.GetInts("scan_input_axes") ?? new long[scanInputs];
        var inputTypes = new List<ValueType?>();
        for (int i = 0; i < states; i++) inputTypes.Add(ctx.Input(i)?.Type);
        Dim length = Dim.Unknown;
        for (int j = 0; j < scanInputs; j++)
        {
            var type = ctx.InputType(states + j);
            if (type?.Shape is not { } shape || shape.Rank == 0)
            {
                inputTypes.Add(type is null ? null : new TensorType(type.ElemType, null));
                continue;
            }
            int axis = ctx.Axis(inputAxes[j], shape.Rank, "scan_input_axes");
            if (j == 0) length = shape[axis];
            inputTypes.Add(new TensorType(type.ElemType, new Shape(shape.Where((_, k) => k != axis))));
        }
        var body = ctx.InferSubgraph(attr.AsGraph(), inputTypes);
        for (int i = 0; i < states; i++) ctx.SetOutput(i, Join(ctx.Input(i)?.Type, At(body, i)));
        var outputAxes = ctx.GetInts("scan_output_axes");
        for (int k = states; k < ctx.OutputCount; k++)
        {
            long axis = outputAxes is not null && k - states < outputAxes.Length ? outputAxes[k - states] : 0;
            ctx.SetOutput(k, Stacked(At(body, k), length, axis));
        }
    }

    private static ValueType? At(IReadOnlyList<ValueType?> types, int i) => i < types.Count ? types[i] : null;

    /// <summary>Per-iteration outputs stacked along a new axis of size <paramref name="count"/>.</summary>
    private static ValueType? Stacked(ValueType? slice, Dim count, long axis)
    {
        if (slice is not TensorType t) return null;
        if (t.Shape is null) return new TensorType(t.ElemType, null);
        int rank = t.Shape.Rank + 1;
        int a = (int)(axis < 0 ? axis + rank : axis);
        if (a < 0 || a >= rank) return new TensorType(t.ElemType, null);
        var dims = t.Shape.ToList();
        dims.Insert(a, count);
        return new TensorType(t.ElemType, new Shape(dims));
    }

    /// <summary>What two possible types have in common: equal dims stay, differing ones become unknown.</summary>
    private static ValueType? Join(ValueType? a, ValueType? b)
    {
        if (a is null || b is null) return a ?? b;
        if (a is not TensorType x || b is not TensorType y) return a == b ? a : null;
        var elem = x.ElemType == y.ElemType ? x.ElemType : x.ElemType == DataType.Undefined ? y.ElemType : x.ElemType;
        if (x.Shape is null || y.Shape is null || x.Shape.Rank != y.Shape.Rank) return new TensorType(elem, null);
        return new TensorType(elem, new Shape(x.Shape.Zip(y.Shape, (p, q) => p == q ? p : Dim.Unknown)));
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// Element-wise operators with numpy broadcasting: arithmetic, comparisons, logic, variadic Max/Min/Sum/Mean, Where.
/// On small shape values they also compute symbolically (seq * 1 = seq; Equal([batch, 4], -1) = [false, false]).
/// </summary>
internal static class BroadcastRules
{
    /// <summary>Output type of input 0 (Add, Sub, Mul, Div, Pow, Mod, PRelu, BitShift, Bitwise*).</summary>
    public static void Arithmetic(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(0);
        var shape = BroadcastInputs(ctx);
        ctx.SetOutput(0, elem, shape);
        if (shape is not { Rank: <= 1 }) return;
        Func<SymbolicInt, SymbolicInt, SymbolicInt>? op = ctx.Node.OpType switch
        {
            "Add" => SymbolicInt.Add,
            "Sub" => SymbolicInt.Sub,
            "Mul" => SymbolicInt.Mul,
            // Division of whole numbers stays whole only in integer arithmetic.
            "Div" when elem.IsInteger() => SymbolicInt.Div,
            _ => null,
        };
        if (op is not null && Combine(ctx, 2, v => op(v[0], v[1])) is { } result) ctx.SetShapeValue(0, result);
    }

    /// <summary>Equal, Less, Greater, LessOrEqual, GreaterOrEqual: bool output; decided on shape values where possible.</summary>
    public static void Comparison(InferenceContext ctx)
    {
        var shape = BroadcastInputs(ctx);
        ctx.SetOutput(0, DataType.Bool, shape);
        if (shape is not { Rank: <= 1 }) return;
        string op = ctx.Node.OpType;
        var result = Combine(ctx, 2, v => Compare(op, v[0], v[1]));
        if (result is not null && result.All(r => r.IsKnown) && shape.ElementCount == result.Length)
            ctx.SetOutputValue(0, Tensor.FromArray(result.Select(r => r.Value != 0).ToArray(), shape.ToArray()));
    }

    /// <summary>Sizes are never negative, so a size compared with a negative constant is decided.</summary>
    private static SymbolicInt Compare(string op, SymbolicInt a, SymbolicInt b)
    {
        int? sign = null;
        if (a.IsKnown && b.IsKnown) sign = a.Value!.Value.CompareTo(b.Value!.Value);
        else if (a.IsSymbolic && a.SameAs(b)) sign = 0;
        else if (a.IsSymbolic && b.Value < 0) sign = 1;
        else if (b.IsSymbolic && a.Value < 0) sign = -1;
        if (sign is not int s) return SymbolicInt.Unknown;
        bool r = op switch
        {
            "Equal" => s == 0,
            "Less" => s < 0,
            "LessOrEqual" => s <= 0,
            "Greater" => s > 0,
            "GreaterOrEqual" => s >= 0,
            _ => throw new InvalidOperationException(op),
        };
        return SymbolicInt.Known(r ? 1 : 0);
    }

    /// <summary>And, Or, Xor: bool in, bool out.</summary>
    public static void Logical(InferenceContext ctx) => ctx.SetOutput(0, DataType.Bool, BroadcastInputs(ctx));

    /// <summary>Max, Min, Sum, Mean over any number of inputs.</summary>
    public static void Variadic(InferenceContext ctx)
    {
        var elem = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputElemType).FirstOrDefault(t => t != DataType.Undefined);
        ctx.SetOutput(0, elem, BroadcastInputs(ctx));
    }

    /// <summary>Where(cond, x, y): x's type; selects between shape values when the condition is known.</summary>
    public static void Where(InferenceContext ctx)
    {
        var elem = ctx.InputElemType(1) != DataType.Undefined ? ctx.InputElemType(1) : ctx.InputElemType(2);
        var shape = BroadcastInputs(ctx);
        ctx.SetOutput(0, elem, shape);
        if (shape is not { Rank: <= 1 }) return;
        var result = Combine(ctx, 3, v => v[0].IsKnown ? (v[0].Value != 0 ? v[1] : v[2]) : v[1].SameAs(v[2]) ? v[1] : SymbolicInt.Unknown);
        if (result is not null) ctx.SetShapeValue(0, result);
    }

    private static Shape? BroadcastInputs(InferenceContext ctx) =>
        DimAlgebra.Broadcast(Enumerable.Range(0, ctx.InputCount).Where(ctx.HasInput).Select(ctx.InputShape), ctx);

    /// <summary>Applies <paramref name="f"/> element by element to the shape values of the first inputs, broadcasting length 1.</summary>
    private static SymbolicInt[]? Combine(InferenceContext ctx, int arity, Func<SymbolicInt[], SymbolicInt> f)
    {
        var values = new SymbolicInt[arity][];
        for (int i = 0; i < arity; i++)
        {
            if (ctx.ShapeValue(i) is not { } v) return null;
            values[i] = v;
        }
        int length = values.Max(v => v.Length);
        if (values.Any(v => v.Length != length && v.Length != 1)) return null;
        var result = new SymbolicInt[length];
        var args = new SymbolicInt[arity];
        for (int k = 0; k < length; k++)
        {
            for (int i = 0; i < arity; i++) args[i] = values[i].Length == 1 ? values[i][0] : values[i][k];
            result[k] = f(args);
        }
        return result;
    }
}

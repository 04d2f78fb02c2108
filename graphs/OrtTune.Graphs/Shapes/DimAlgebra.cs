using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes;

/// <summary>
/// Arithmetic on dimensions that may be known, named or unknown. Every result is exact: when the outcome cannot be
/// told without the runtime sizes it is <see cref="Dim.Unknown"/>, never a guess.
/// </summary>
public static class DimAlgebra
{
    /// <summary>Numpy broadcasting of two dims; throws when both are known, differ, and neither is 1.</summary>
    public static Dim Broadcast(Dim a, Dim b, InferenceContext ctx)
    {
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        if (a.IsKnown && b.IsKnown)
            return a.Value == b.Value ? a : throw ctx.Error($"cannot broadcast dimensions {a} and {b}.");
        // A known size other than 1 decides the result: the other side must be equal or 1.
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        if (a.IsSymbolic && a == b) return a;
        return Dim.Unknown;
    }

    /// <summary>Numpy broadcasting of shapes (aligned on the right); null when any rank is unknown.</summary>
    public static Shape? Broadcast(IEnumerable<Shape?> shapes, InferenceContext ctx)
    {
        var list = shapes.ToList();
        if (list.Count == 0 || list.Any(s => s is null)) return null;
        int rank = list.Max(s => s!.Rank);
        var dims = new Dim[rank];
        for (int i = 0; i < rank; i++) dims[i] = Dim.Known(1);
        foreach (var s in list)
            for (int i = 0; i < s!.Rank; i++)
            {
                int j = rank - s.Rank + i;
                dims[j] = Broadcast(dims[j], s[i], ctx);
            }
        return new Shape(dims);
    }

    /// <summary>Two dims the operator requires to be equal: throws when both are known and differ.</summary>
    public static Dim Unify(Dim a, Dim b, InferenceContext ctx, string what)
    {
        if (a.IsKnown && b.IsKnown)
            return a.Value == b.Value ? a : throw ctx.Error($"{what}: {a} and {b} must be equal.");
        if (a.IsKnown) return a;
        if (b.IsKnown) return b;
        return a.IsSymbolic ? a : b;
    }

    public static Dim Multiply(Dim a, Dim b)
    {
        if (a.IsKnown && b.IsKnown) return Dim.Known(a.Value!.Value * b.Value!.Value);
        if (a.Value == 0 || b.Value == 0) return Dim.Known(0);
        if (a.Value == 1) return b;
        if (b.Value == 1) return a;
        return Dim.Unknown;
    }

    public static Dim Product(IEnumerable<Dim> dims) => dims.Aggregate(Dim.Known(1), Multiply);

    public static Dim Add(Dim a, Dim b)
    {
        if (a.IsKnown && b.IsKnown) return Dim.Known(a.Value!.Value + b.Value!.Value);
        if (a.Value == 0) return b;
        if (b.Value == 0) return a;
        return Dim.Unknown;
    }

    public static Dim Sum(IEnumerable<Dim> dims) => dims.Aggregate(Dim.Known(0), Add);

    /// <summary>
    /// A shape's size as known factor times named factors; null when some dim is unknown. Used to solve Reshape's -1
    /// symbolically: [batch, seq, 32] into [batch, seq, -1, 8] leaves 32 / 8 = 4.
    /// </summary>
    public static (long Known, List<string> Symbols)? Factor(IEnumerable<Dim> dims)
    {
        long known = 1;
        var symbols = new List<string>();
        foreach (var d in dims)
        {
            if (d.IsKnown) known *= d.Value!.Value;
            else if (d.IsSymbolic) symbols.Add(d.Symbol!);
            else return null;
        }
        return (known, symbols);
    }

    /// <summary>
    /// The dim x such that product(<paramref name="whole"/>) = x * product(<paramref name="part"/>), or unknown when
    /// that cannot be told; throws when both sides are known and do not divide.
    /// </summary>
    public static Dim Quotient(IEnumerable<Dim> whole, IEnumerable<Dim> part, InferenceContext ctx)
    {
        if (Factor(whole) is not { } w || Factor(part) is not { } p) return Dim.Unknown;
        var (wk, ws) = w;
        var (pk, ps) = p;
        var remaining = new List<string>(ws);
        foreach (var s in ps)
            if (!remaining.Remove(s)) return Dim.Unknown;
        if (remaining.Count == 0)
        {
            if (pk == 0) return wk == 0 ? Dim.Unknown : throw ctx.Error("cannot infer a dimension next to a zero-sized one.");
            return wk % pk == 0 ? Dim.Known(wk / pk) : throw ctx.Error($"{wk} elements cannot be split into parts of {pk}.");
        }
        return remaining.Count == 1 && wk == pk && pk != 0 ? Dim.Named(remaining[0]) : Dim.Unknown;
    }

    /// <summary>Merges what two sources say about one dim (e.g. a declared type and an inferred one); null on conflict.</summary>
    public static Dim? Merge(Dim preferred, Dim other)
    {
        if (preferred.IsKnown && other.IsKnown) return preferred.Value == other.Value ? preferred : null;
        if (preferred.IsKnown) return preferred;
        if (other.IsKnown) return other;
        return preferred.IsSymbolic ? preferred : other;
    }
}

using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Shapes.Rules;

/// <summary>
/// Einsum: each letter names one size shared by every operand that uses it; "..." stands for broadcast leading dims.
/// Without "->" the output is the ellipsis dims then the letters used once, in alphabetical order.
/// </summary>
internal static class EinsumRules
{
    public static void Einsum(InferenceContext ctx)
    {
        var elem = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputElemType).FirstOrDefault(t => t != DataType.Undefined);
        string equation = ctx.GetString("equation", "").Replace(" ", "", StringComparison.Ordinal);
        if (equation.Length == 0) throw ctx.Error("Einsum has no equation.");
        int arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? equation : equation[..arrow]).Split(',');
        if (terms.Length != ctx.InputCount) throw ctx.Error($"equation '{equation}' has {terms.Length} operands but the node has {ctx.InputCount} inputs.");

        var sizes = new Dictionary<char, Dim>();
        var counts = new Dictionary<char, int>();
        Shape? ellipsis = new Shape(Array.Empty<Dim>());
        for (int i = 0; i < terms.Length; i++)
        {
            string term = terms[i];
            bool hasEllipsis = term.Contains("...", StringComparison.Ordinal);
            string letters = term.Replace("...", "", StringComparison.Ordinal);
            foreach (char c in letters)
            {
                if (!char.IsLetter(c)) throw ctx.Error($"equation '{equation}' has an invalid character '{c}'.");
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
            if (ctx.InputShape(i) is not { } shape)
            {
                if (hasEllipsis) ellipsis = null;
                continue;
            }
            int ellipsisRank = shape.Rank - letters.Length;
            if (ellipsisRank < 0 || (!hasEllipsis && ellipsisRank != 0))
                throw ctx.Error($"operand {i} has rank {shape.Rank} but term '{term}' names {letters.Length} dims.");
            int start = hasEllipsis ? term.IndexOf("...", StringComparison.Ordinal) : letters.Length;
            for (int k = 0; k < letters.Length; k++)
            {
                var dim = shape[k < start ? k : k + ellipsisRank];
                sizes[letters[k]] = sizes.TryGetValue(letters[k], out var seen)
                    ? Combine(seen, dim, ctx, letters[k])
                    : dim;
            }
            if (hasEllipsis && ellipsis is not null)
                ellipsis = DimAlgebra.Broadcast([ellipsis, new Shape(shape.Skip(start).Take(ellipsisRank))], ctx);
        }

        string output = arrow >= 0
            ? equation[(arrow + 2)..]
            : (equation.Contains("...", StringComparison.Ordinal) ? "..." : "") +
              new string(counts.Where(p => p.Value == 1).Select(p => p.Key).Order().ToArray());
        var dims = new List<Dim>();
        string outLetters = output.Replace("...", "", StringComparison.Ordinal);
        int outEllipsis = output.IndexOf("...", StringComparison.Ordinal);
        for (int k = 0; k <= outLetters.Length; k++)
        {
            if (k == outEllipsis)
            {
                if (ellipsis is null)
                {
                    ctx.SetOutput(0, elem, null);
                    return;
                }
                dims.AddRange(ellipsis);
            }
            if (k == outLetters.Length) break;
            char c = outLetters[k];
            if (!counts.ContainsKey(c)) throw ctx.Error($"output letter '{c}' of '{equation}' appears in no operand.");
            dims.Add(sizes.GetValueOrDefault(c, Dim.Unknown));
        }
        ctx.SetOutput(0, elem, dims);
    }

    /// <summary>A letter's sizes across operands must match, except that a size of 1 broadcasts.</summary>
    private static Dim Combine(Dim a, Dim b, InferenceContext ctx, char letter)
    {
        try { return DimAlgebra.Broadcast(a, b, ctx); }
        catch (Diagnostics.ShapeException) { throw ctx.Error($"letter '{letter}' has sizes {a} and {b}."); }
    }
}

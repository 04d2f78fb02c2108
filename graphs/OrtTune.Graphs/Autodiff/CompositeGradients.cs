using OrtTune.Graphs.Autodiff.Rules;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;

namespace OrtTune.Graphs.Autodiff;

/// <summary>
/// Small patterns of standard ops that exporters write for one function, differentiated as that function: the
/// backward pass reads only the pattern's input, not its intermediate values, so ONNX Runtime can free those after
/// the forward pass (and fuse the pattern into one kernel, which it cannot do while the backward reads the middle).
/// A pattern is taken only where its intermediate values are read by the pattern alone.
/// </summary>
internal static class CompositeGradients
{
    /// <summary>One matched pattern: <see cref="Root"/>'s output is f(<see cref="Input"/>); <see cref="Interior"/> are its other nodes.</summary>
    public sealed record Match(Node Root, Value Input, IReadOnlyList<Node> Interior, Func<OpBuilder, Value, Value> InputGrad);

    public static Dictionary<Node, Match> Find(IReadOnlyList<Node> nodes, AutodiffOptions options)
    {
        var matches = new Dictionary<Node, Match>();
        foreach (var node in nodes)
            if (GeluErf(node) is { } m && !m.Interior.Append(m.Root).Any(n => n.Outputs.Any(o => o is not null && options.StopGradient.Contains(o))))
                matches[node] = m;
        return matches;
    }

    /// <summary>
    /// Exact GELU as torch.onnx writes it (x·0.5·(1 + erf(x/√2)), products in any order, x/√2 as Div or as Mul by
    /// 1/√2): dx = g·(Φ(x) + x·φ(x)), rebuilt from x.
    /// </summary>
    private static Match? GeluErf(Node root)
    {
        if (!Is(root, "Mul")) return null;
        var interior = new List<Node>();
        var leaves = new List<Value>();
        foreach (var input in root.Inputs)
        {
            if (input is null) return null;
            if (Is(input.Producer, "Mul") && ReadOnlyBy(input, root))
            {
                interior.Add(input.Producer!);
                foreach (var inner in input.Producer!.Inputs)
                {
                    if (inner is null) return null;
                    leaves.Add(inner);
                }
            }
            else leaves.Add(input);
        }
        if (leaves.Count != 3) return null;
        var half = leaves.FirstOrDefault(v => IsScalar(v, 0.5, 1e-7));
        if (half is null) return null;
        leaves.Remove(half);
        // The remaining two leaves are x and 1 + erf(x/√2).
        foreach (var (x, sum) in new[] { (leaves[0], leaves[1]), (leaves[1], leaves[0]) })
        {
            if (!x.ElemType.IsFloatingPoint() || x.Shape is not { IsStatic: true } || root.Outputs[0]?.Shape is not { IsStatic: true }) continue;
            if (!OpBuilder.StaticShape(x).SequenceEqual(OpBuilder.StaticShape(root.Outputs[0]!))) continue;
            if (!Is(sum.Producer, "Add") || !ReadOnlyByAny(sum, interior.Append(root))) continue;
            var add = sum.Producer!;
            var erfOut = add.Inputs.FirstOrDefault(v => v is not null && Is(v.Producer, "Erf"));
            var one = add.Inputs.FirstOrDefault(v => v is not null && v != erfOut);
            if (erfOut is null || one is null || !IsScalar(one, 1, 1e-7) || !ReadOnlyBy(erfOut, add)) continue;
            var erf = erfOut.Producer!;
            var scaled = erf.InputOrNull(0);
            if (scaled is null || !ReadOnlyBy(scaled, erf) || scaled.Producer is not { } scale) continue;
            bool isScale = (Is(scale, "Div") && scale.InputOrNull(0) == x && IsScalar(scale.InputOrNull(1), Math.Sqrt(2), 1e-6))
                           || (Is(scale, "Mul") && scale.Inputs.Contains(x) && scale.Inputs.Any(v => v != x && IsScalar(v, 1 / Math.Sqrt(2), 1e-6)));
            if (!isScale) continue;
            return new Match(root, x, [.. interior, add, erf, scale],
                (o, g) => o.Op("Mul", g, GeluGradients.Slope(o, x, tanh: false)));
        }
        return null;
    }

    private static bool Is(Node? node, string opType) => node is not null && node.Domain.Length == 0 && node.OpType == opType;

    /// <summary>True when <paramref name="v"/> is not a graph output and only <paramref name="reader"/> reads it.</summary>
    private static bool ReadOnlyBy(Value v, Node reader) => ReadOnlyByAny(v, [reader]);

    private static bool ReadOnlyByAny(Value v, IEnumerable<Node> readers)
    {
        var set = readers.ToHashSet();
        return !v.IsGraphOutput && v.Uses.Count > 0 && v.Uses.All(u => set.Contains(u.Node));
    }

    private static bool IsScalar(Value? v, double expected, double tolerance)
    {
        if (GradientContext.ConstantValue(v) is not { } t || t.Dims.Aggregate(1L, (a, b) => a * b) != 1) return false;
        return TensorNumbers.ToDoubles(t) is [var d] && Math.Abs(d - expected) <= tolerance * Math.Max(1, Math.Abs(expected));
    }
}

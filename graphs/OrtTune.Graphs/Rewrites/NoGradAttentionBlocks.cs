using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// TokenTune's no-grad branch computes each layer's full attention, n × n scores per head, only for its output:
/// nothing of it is kept for the backward pass. So it can run in blocks of queries: a block's scores, mask, softmax
/// and product with the values are made and freed before the next block starts, and the blocks' outputs are
/// concatenated. Every row is computed by the same ops on the same numbers, so the output is unchanged; the largest
/// transient tensors shrink from n × n to block × n per head.
/// Matched: MatMul(Q, Kᵀ) → elementwise ops (scale, mask) → Softmax over the keys → Cast/Identity → MatMul(·, V),
/// each value read once, the softmax output a stop-gradient value.
/// </summary>
internal static class NoGradAttentionBlocks
{
    private static readonly HashSet<string> BeforeSoftmax = ["Add", "Sub", "Mul", "Div", "Where", "Cast"];
    private static readonly HashSet<string> AfterSoftmax = ["Cast", "Identity"];

    private sealed record Match(Node Scores, List<Node> Before, Node Softmax, List<Node> After, Node Output, long Queries);

    /// <summary>Rewrites every matching attention into blocks of <paramref name="block"/> queries; returns how many.</summary>
    public static int Apply(Graph graph, OpBuilder ops, HashSet<Value> stopGradient, int block)
    {
        if (block < 1) return 0;
        int rewritten = 0;
        foreach (var softmax in graph.Nodes.Where(n => n is { OpType: "Softmax", Domain: "" }).ToList())
        {
            if (Find(softmax, stopGradient, ops.Opset) is not { } m || m.Queries <= block) continue;
            Rewrite(m, ops, stopGradient, block);
            rewritten++;
        }
        if (rewritten > 0) graph.TopologicalSort();   // the blocks were appended after the old output's readers
        return rewritten;
    }

    private static Match? Find(Node softmax, HashSet<Value> stopGradient, long opset)
    {
        var probabilities = softmax.Outputs[0]!;
        if (!stopGradient.Contains(probabilities) || probabilities.Shape is not { IsStatic: true } s || s.Rank < 3) return null;
        int rank = s.Rank;
        if (GradientContext.Axis(softmax.GetInt("axis", opset < 13 ? 1 : -1), rank) != rank - 1) return null;

        var before = new List<Node>();
        var v = softmax.Inputs[0]!;
        Node scores;
        while (true)
        {
            if (!Single(v) || v.Producer is not { Domain: "" } p) return null;
            if (p.OpType == "MatMul") { scores = p; break; }
            if (!BeforeSoftmax.Contains(p.OpType)) return null;
            // The chain continues through the one input of the scores' full shape made by the previous op of the chain.
            var shape = OpBuilder.StaticShape(v);
            var next = p.Inputs.Where(i => i is not null && Single(i) && OpBuilder.StaticShape(i).SequenceEqual(shape)
                                           && i.Producer is { Domain: "" } q && (q.OpType == "MatMul" || BeforeSoftmax.Contains(q.OpType))).ToList();
            if (next.Count != 1) return null;
            before.Insert(0, p);
            v = next[0]!;
        }

        var after = new List<Node>();
        var u = probabilities;
        while (Single(u) && u.Uses[0].Node is { Domain: "" } c && AfterSoftmax.Contains(c.OpType))
        {
            after.Add(c);
            u = c.Outputs[0]!;
        }
        if (!Single(u) || u.Uses[0] is not { InputIndex: 0, Node: { OpType: "MatMul", Domain: "" } output }) return null;

        long queries = QueryCount(scores.Inputs[0]!);
        var outShape = OpBuilder.StaticShape(output.Outputs[0]!);
        if (queries < 2 || OpBuilder.StaticShape(scores.Outputs[0]!)[^2] != queries || outShape[^2] != queries) return null;
        // Side inputs of the chain (scale, mask) either broadcast over the queries or span them exactly.
        foreach (var node in before)
            foreach (var side in node.Inputs.Where(i => i is not null && !IsChain(i, before, scores)))
                if (SideAxis(side!, rank, queries) == -2) return null;
        return new Match(scores, before, softmax, after, output, queries);
    }

    private static bool IsChain(Value v, List<Node> before, Node scores) => v.Producer == scores || before.Contains(v.Producer!);

    private static bool Single(Value v) => v.Uses.Count == 1 && !v.IsGraphOutput;

    private static long QueryCount(Value q) => OpBuilder.StaticShape(q) is { Length: >= 2 } s ? s[^2] : 0;

    /// <summary>The side input's own axis that runs along the queries (axis −2 of the chain), −1 when it broadcasts, −2 when it cannot be cut.</summary>
    private static int SideAxis(Value side, int rank, long queries)
    {
        var shape = OpBuilder.StaticShape(side);
        int own = rank - 2 - (rank - shape.Length);
        if (own < 0 || shape[own] == 1) return -1;
        return shape[own] == queries ? own : -2;
    }

    private static void Rewrite(Match m, OpBuilder ops, HashSet<Value> stopGradient, int block)
    {
        var q = m.Scores.Inputs[0]!;
        int qAxis = OpBuilder.Rank(q) - 2;
        int rank = OpBuilder.Rank(m.Softmax.Outputs[0]!);
        var parts = new List<Value>();
        for (long start = 0; start < m.Queries; start += block)
        {
            long end = Math.Min(m.Queries, start + block);
            Value Cut(Value x, int axis) => ops.Op("Slice", x, ops.Ints(start), ops.Ints(end), ops.Ints(axis));
            Value Clone(Node node, Value?[] inputs) => Keep(ops.Multi(node.Domain, node.OpType, inputs, 1, node.Attributes.Values.ToArray())[0]!, stopGradient);

            var x = Clone(m.Scores, [Keep(Cut(q, qAxis), stopGradient), m.Scores.Inputs[1]]);
            foreach (var node in m.Before)
            {
                var chain = x;
                x = Clone(node, node.Inputs.Select(i => i is null ? null
                    : IsChain(i, m.Before, m.Scores) ? chain
                    : SideAxis(i, rank, m.Queries) is var a and >= 0 ? Keep(Cut(i, a), stopGradient) : i).ToArray());
            }
            x = Clone(m.Softmax, [x]);
            foreach (var node in m.After) x = Clone(node, [x]);
            parts.Add(Clone(m.Output, [x, m.Output.Inputs[1]]));
        }
        var output = m.Output.Outputs[0]!;
        var joined = Keep(ops.Op("Concat", parts.ToArray<Value?>(), Attribute.Of("axis", (long)OpBuilder.Rank(output) - 2)), stopGradient);
        output.ReplaceAllUsesWith(joined, replaceGraphOutputs: true);
    }

    private static Value Keep(Value v, HashSet<Value> stopGradient)
    {
        if (v.ElemType.IsFloatingPoint()) stopGradient.Add(v);
        return v;
    }
}

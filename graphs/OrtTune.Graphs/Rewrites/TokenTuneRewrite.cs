using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// TokenTune as one graph pass on a specialised forward model. The original nodes stay as the no-grad branch: they
/// compute the full forward over all n tokens, and every float value downstream of the token ids is a stop-gradient.
/// Beside them the pass builds the grad branch by following the token axis from the ids: token-wise ops (linear
/// layers, norms, activations, residual adds, head reshapes and transposes, RoPE) run on the k selected rows only;
/// inputs they combine with that are indexed by position (position tables, masks, token-type embeddings) are
/// gathered at each row's original position. An op that mixes tokens (the attention scores over all keys, the
/// probabilities times the values, pooling, a [CLS] gather, a token-axis concat or slice) reads the recombined
/// tensor: the full forward's value with gradients routed into the selected rows. So the forward values equal the
/// unmodified model's, and the gradients are those of the reference's two-branch model, in which every unselected
/// hidden state is a constant. Ops the pass does not know fall back to that recombined form, which is always exact.
/// Graph outputs are replaced by their grad-branch values: a per-token output (an LM's logits) then holds the k
/// selected positions, [B, k, ...]; a pooled output (a classifier's logits) is unchanged in shape and value.
/// </summary>
public static class TokenTuneRewrite
{
    /// <summary>What the pass added.</summary>
    /// <param name="Indices">int64 [B, k] input: the selected positions of each example.</param>
    /// <param name="Mask">int64 [B, k] input: 1 for a slot in use, 0 for padding.</param>
    /// <param name="Count">k, the number of selection slots per example.</param>
    /// <param name="StopGradient">The no-grad branch: values autodiff must not differentiate through.</param>
    /// <param name="SelectedOutputs">Graph outputs that now hold the selected positions only (their token axis is 1).</param>
    /// <param name="Mixing">
    /// Original nodes whose grad-branch form reads recombined (all-token) tensors: the ops that mix tokens, plus any op
    /// the pass could not run row by row. Everything else on the token path runs on the selected rows.
    /// </param>
    public sealed record Result(Value Indices, Value Mask, int Count, IReadOnlySet<Value> StopGradient, IReadOnlySet<string> SelectedOutputs,
        IReadOnlyList<Node> Mixing);

    private static readonly HashSet<string> Elementwise =
    [
        "Add", "Sub", "Mul", "Div", "Pow", "Where", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or",
        "Xor", "Not", "Max", "Min", "Mod", "Sum", "Mean", "Sqrt", "Erf", "Tanh", "Sigmoid", "Relu", "LeakyRelu", "Elu",
        "Softplus", "Neg", "Exp", "Log", "Abs", "Reciprocal", "Cast", "Identity", "Clip", "Dropout", "Sign", "Floor",
        "Ceil", "Round", "IsNaN", "IsInf", "HardSigmoid", "Gelu", "FastGelu", "BiasGelu", "QuickGelu", "CastLike",
    ];

    private static readonly HashSet<string> Reshapes = ["Reshape", "Flatten", "Squeeze", "Unsqueeze"];

    /// <summary>Ops through which a recombination moves to their input (they only move or copy elements).</summary>
    private static readonly HashSet<string> Movement = ["Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Expand"];

    /// <summary>Applies TokenTune with the largest selection the rule allows at the model's sequence length (the graph's k).</summary>
    public static Result Apply(Model model, TokenTuneOptions options, bool decoder)
    {
        var ids = model.Graph.Inputs.FirstOrDefault(v => v.Name == options.IdsInput);
        long sequence = ids?.Shape is { IsStatic: true, Rank: 2 } s ? s.ToArray()[1] : 0;
        return Apply(model, options, sequence > 0 ? options.SelectedCount(sequence, decoder) : 1);
    }

    /// <summary>Applies TokenTune with <paramref name="count"/> selection slots per example.</summary>
    public static Result Apply(Model model, TokenTuneOptions options, int count)
    {
        options.Validate();
        var graph = model.Graph;
        var ids = graph.Inputs.FirstOrDefault(v => v.Name == options.IdsInput)
                  ?? throw new OrtTuneException($"TokenTune: the model has no input '{options.IdsInput}'; inputs: {string.Join(", ", graph.Inputs.Select(v => v.Name))}.");
        if (ids.Shape is not { IsStatic: true, Rank: 2 } idsShape || ids.ElemType is not (DataType.Int64 or DataType.Int32))
            throw new OrtTuneException($"TokenTune: '{ids.Name}' must be integer token ids of static shape [batch, sequence] (specialise first); it is {ids.Type}.");
        var (batch, sequence) = (idsShape.ToArray()[0], idsShape.ToArray()[1]);
        if (count < 1 || count > sequence)
            throw new OrtTuneException($"TokenTune: {count} selected tokens per example do not fit a sequence of {sequence}.");
        foreach (var name in new[] { options.IndicesName, options.MaskName })
            if (graph.Inputs.Any(v => v.Name == name) || graph.FindInitializer(name) is not null)
                throw new OrtTuneException($"TokenTune: the model already has a value named '{name}'.");

        var indices = graph.AddInput(options.IndicesName, new TensorType(DataType.Int64, new Shape(batch, count)));
        var mask = graph.AddInput(options.MaskName, new TensorType(DataType.Int64, new Shape(batch, count)));
        var pass = new Pass(new OpBuilder(graph, model.OpsetImports, "tokentune/"), indices, mask, batch, sequence, count, options.Pooling);
        pass.Run(graph, ids);
        NoGradAttentionBlocks.Apply(graph, new OpBuilder(graph, model.OpsetImports, "tokentune/blocks/"), pass.StopGradient, options.AttentionBlock);
        return new Result(indices, mask, count, pass.StopGradient, pass.SelectedOutputs, pass.Mixing);
    }

    private sealed class Pass(OpBuilder ops, Value indices, Value mask, long batch, long sequence, long count, TokenTunePooling pooling)
    {
        private readonly Dictionary<Value, TokenTuneMirror> _mirrors = [];
        private readonly Dictionary<Value, Value> _recombined = [];
        public readonly HashSet<Value> StopGradient = [];
        public readonly HashSet<string> SelectedOutputs = [];
        public readonly List<Node> Mixing = [];
        private TokenTuneSelection? _selection;

        private TokenTuneSelection Selection => _selection ??= new TokenTuneSelection(ops, indices, mask, batch, sequence, count, StopGradient);

        public void Run(Graph graph, Value ids)
        {
            graph.TopologicalSort();
            var original = graph.Nodes.ToList();
            var selectedIds = ops.Op("GatherElements", [ids, indices], Attribute.Of("axis", 1L));
            _mirrors[ids] = new TokenTuneMirror(selectedIds, 1);
            foreach (var node in original)
            {
                if (!node.Inputs.Any(v => v is not null && _mirrors.ContainsKey(v))) continue;
                // Shapes do not depend on which tokens are selected; their consumers read the original.
                if (node.OpType is "Shape" or "Size") continue;
                if (node.Subgraphs.Any()) throw new UnsupportedOperatorException(node, "TokenTune (control flow on the token path)");
                foreach (var o in node.Outputs)
                    if (o is not null && o.ElemType.IsFloatingPoint()) StopGradient.Add(o);
                MirrorNode(node);
            }
            for (int i = 0; i < graph.Outputs.Count; i++)
            {
                var output = graph.Outputs[i];
                if (!_mirrors.TryGetValue(output, out var m)) continue;
                var value = m.IsRows ? RowsToBatchFirst(m) : m.Value;
                string name = output.Name;
                graph.RenameValue(output, graph.UniqueName(name + "_all_tokens"));
                if (value.Producer is null || value.IsGraphOutput) value = ops.Op("Identity", value);
                graph.RenameValue(value, name);
                graph.Outputs[i] = value;
                if (m.IsRows) SelectedOutputs.Add(name);
            }
        }

        /// <summary>A rows-form output with its selected axis moved to axis 1 ([B, k, ...]), the layout losses read.</summary>
        private Value RowsToBatchFirst(TokenTuneMirror m)
        {
            if (m is { Axis: 1, IsPlain: true }) return m.Value;
            throw new OrtTuneException($"TokenTune: the output '{m.Value.Name}' carries its tokens on axis {m.Axis}; only [batch, tokens, ...] outputs are supported.");
        }

        // ---- values as the grad branch reads them -------------------------------------------------------------

        private TokenTuneMirror? Rows(Value? v) => v is not null && _mirrors.TryGetValue(v, out var m) && m.IsRows ? m : null;

        /// <summary>The value with the original's shape that carries gradients: dense mirror, recombined rows, or the value itself.</summary>
        private Value? Dense(Value? v)
        {
            if (v is null || !_mirrors.TryGetValue(v, out var m)) return v;
            if (!m.IsRows) return m.Value;
            if (_recombined.TryGetValue(v, out var done)) return done;
            // Recombine where the tokens still have their plain layout (K before its transpose, V before repeat_kv) and move from there.
            var producer = v.Producer;
            Value result;
            if (producer is not null && Movement.Contains(producer.OpType) && producer.Domain.Length == 0 && Rows(producer.Inputs[0]) is not null)
            {
                var inputs = producer.Inputs.Select((x, i) => i == 0 ? Dense(x) : x).ToArray();
                result = ops.Multi("", producer.OpType, inputs, 1, producer.Attributes.Values.ToArray())[0]!;
            }
            else result = Selection.Recombine(v, m);
            return _recombined[v] = result;
        }

        /// <summary>A value read beside rows-form inputs: its rows at output axis <paramref name="axis"/> when it spans the tokens there.</summary>
        private Value Beside(Value v, int axis, int rank)
        {
            var x = _mirrors.TryGetValue(v, out var m) ? m.Value : v;
            var shape = OpBuilder.StaticShape(x);
            int own = axis - (rank - shape.Length);
            if (own < 0 || shape[own] == 1) return x;
            return Selection.GatherRows(x, own, rank);
        }

        private void SetOutputs(IReadOnlyList<Value?> originals, IReadOnlyList<Value?> mirrors, Func<Value, TokenTuneMirror> make)
        {
            for (int i = 0; i < originals.Count; i++)
                if (originals[i] is not null && mirrors[i] is { } v) _mirrors[originals[i]!] = make(v);
        }

        private IReadOnlyList<Value?> Clone(Node node, Value?[] inputs, params Attribute[] attributes) =>
            ops.Multi(node.Domain, node.OpType, inputs, node.Outputs.Count, attributes.Length > 0 ? attributes : node.Attributes.Values.ToArray());

        /// <summary>The always-exact form: the op on recombined inputs, outputs dense.</summary>
        private void CloneDense(Node node)
        {
            if (node.Inputs.Any(v => Rows(v) is not null)) Mixing.Add(node);
            var outs = Clone(node, node.Inputs.Select(Dense).ToArray());
            SetOutputs(node.Outputs, outs, TokenTuneMirror.Dense);
        }

        // ---- per-op rules -------------------------------------------------------------------------------------

        private void MirrorNode(Node node)
        {
            string op = node.OpType;
            bool standard = node.Domain.Length == 0;
            if (Elementwise.Contains(op)) Broadcast(node, null);
            else if (op is "LayerNormalization" or "SimplifiedLayerNormalization")
                Broadcast(node, (int)GradientContext.Axis(node.GetInt("axis", -1), Rank(node.Inputs[0]!)));
            else if (op is "SkipLayerNormalization" or "SkipSimplifiedLayerNormalization") Broadcast(node, Rank(node.Inputs[0]!) - 1);
            else if (op is "Softmax" or "LogSoftmax")
                Broadcast(node, (int)GradientContext.Axis(node.GetInt("axis", standard && ops.Opset < 13 ? 1 : -1), Rank(node.Inputs[0]!)));
            else if (standard && op.StartsWith("Reduce", StringComparison.Ordinal)) Reduce(node);
            else if (standard && op == "MatMul") MatMul(node);
            else if (standard && op == "Gemm") Gemm(node);
            else if (standard && op == "Transpose") Transpose(node);
            else if (standard && Reshapes.Contains(op)) Reshape(node);
            else if (standard && op == "Expand") Expand(node);
            else if (standard && op is "Split" or "Concat") AlongAxis(node);
            else if (standard && op == "Slice") Slice(node);
            else if (standard && op == "Gather") Gather(node);
            else CloneDense(node);
        }

        private static int Rank(Value v) => OpBuilder.Rank(v);

        /// <summary>
        /// Numpy-broadcasting ops, applied row by row. <paramref name="normalized"/>: the first axis the op reduces
        /// over (norms, softmax); the token axis must come before it.
        /// </summary>
        private void Broadcast(Node node, int? normalized)
        {
            var output = node.Outputs[0]!;
            int rank = Rank(output);
            TokenTuneMirror? lead = null;
            int axis = -1;
            // Norms and softmax broadcast their scale/bias from the normalised axes; only the data inputs carry tokens.
            foreach (var v in node.Inputs)
            {
                if (Rows(v) is not { } m) continue;
                int aligned = m.Axis!.Value + rank - Rank(v!);
                if (lead is null) (lead, axis) = (m, aligned);
                else if (aligned != axis || !m.SameLayout(lead)) { CloneDense(node); return; }
            }
            if (lead is null || (normalized is { } n && axis >= n) || (!lead.IsPlain && node.Inputs.Any(v => v is not null && Rows(v) is null && Spans(v, axis, rank))))
            {
                CloneDense(node);
                return;
            }
            var inputs = node.Inputs.Select(v => v is null ? null : Rows(v) is { } m ? m.Value : Beside(v, axis, rank)).ToArray();
            var outs = Clone(node, inputs);
            SetOutputs(node.Outputs, outs, v => lead.At(v, axis));
        }

        /// <summary>True when <paramref name="v"/> (aligned to <paramref name="rank"/>) has more than one element along <paramref name="axis"/>.</summary>
        private bool Spans(Value v, int axis, int rank)
        {
            var x = _mirrors.TryGetValue(v, out var m) ? m.Value : v;
            var shape = OpBuilder.StaticShape(x);
            int own = axis - (rank - shape.Length);
            return own >= 0 && shape[own] != 1;
        }

        private void Reduce(Node node)
        {
            var m = Rows(node.Inputs[0]);
            int rank = Rank(node.Inputs[0]!);
            long[]? axes = node.GetInts("axes") ?? (node.InputOrNull(1) is { } a ? GradientContext.ConstantValue(a)?.ToInt64Array() : null);
            bool noopWhenEmpty = node.GetInt("noop_with_empty_axes", 0) != 0;
            if (m is null || node.Inputs.Skip(1).Any(v => _mirrors.ContainsKey(v!)) || axes is null || (axes.Length == 0 && !noopWhenEmpty))
            {
                CloneDense(node);
                return;
            }
            var normalised = axes.Select(x => (int)GradientContext.Axis(x, rank)).ToHashSet();
            int axis = m.Axis!.Value;
            if (SelectedMeanPooling(node, normalised, axis)) return;
            if (normalised.Contains(axis)) { CloneDense(node); return; }
            bool keep = node.GetInt("keepdims", 1) != 0;
            int outAxis = keep ? axis : axis - normalised.Count(x => x < axis);
            var outs = Clone(node, node.Inputs.Select((v, i) => i == 0 ? m.Value : v).ToArray());
            SetOutputs(node.Outputs, outs, v => m.At(v, outAxis));
        }

        /// <summary>
        /// A mean-pooling classification head, Σ_s w_s·h_s over the real tokens, trained on the selected tokens only, so
        /// every pooled term carries gradient. <see cref="TokenTunePooling.Selected"/> (the reference's): their plain
        /// mean. <see cref="TokenTunePooling.Unbiased"/>: each selected token weighted by w_s over its chance of being
        /// selected (1 for position 0, which the encoder rule always keeps, (k − 1)/(n − 1) for the others), so that the
        /// training pool is an unbiased estimate of the eval graph's; with every token selected it is that pool.
        /// </summary>
        private bool SelectedMeanPooling(Node node, HashSet<int> axes, int axis)
        {
            if (pooling == TokenTunePooling.All || node.Outputs[0]?.Name != ClassificationHead.MeanPooledName || axes.Count != 1 || !axes.Contains(axis))
                return false;
            if (node.Inputs[0]!.Producer is not { OpType: "Mul" } mul || Rows(mul.Inputs[0]) is not { IsPlain: true } hidden || hidden.Axis != axis)
                return false;
            var h = hidden.Value;
            var type = h.ElemType;
            var used = ops.Cast(Selection.Mask, type);                                                           // [B, k]
            var selectedCount = ops.Op("Max", ops.ReduceSum(used, [1], keepDims: true), ops.Scalar(1, type));  // [B, 1]
            Value weights;
            if (pooling == TokenTunePooling.Selected) weights = ops.Op("Div", used, selectedCount);
            else
            {
                var all = ops.ReduceSum(mul.Inputs[1]!, [2], keepDims: false);                                 // w [B, n]
                var real = ops.ReduceSum(ops.Cast(ops.Op("Greater", all, ops.Scalar(0, type)), type), [1], keepDims: true); // n [B, 1]
                var position = ops.Cast(Selection.Indices, type);
                // A mean head trains with the encoder rule (TrainingGraphBuilder.DecoderRule): position 0 is always kept.
                var kept = ops.Cast(ops.Op("Equal", position, ops.Scalar(0, type)), type);
                var one = ops.Scalar(1, type);
                var chance = ops.Op("Div", ops.Op("Max", ops.Op("Sub", selectedCount, one), ops.Scalar(0, type)),
                    ops.Op("Max", ops.Op("Sub", real, one), one));                                                 // (k − 1)/(n − 1)
                var inclusion = ops.Op("Add", kept, ops.Op("Mul", ops.Op("Sub", one, kept), chance));
                var drawn = ops.Op("GatherElements", [all, Selection.Indices], Attribute.Of("axis", 1L));       // w at the selected positions
                weights = ops.Op("Div", ops.Op("Mul", used, drawn), ops.Op("Max", inclusion, ops.Scalar(1e-12f, type)));
            }
            var pooled = ops.ReduceSum(ops.Op("Mul", h, ops.Unsqueeze(weights, 2)), [axis], keepDims: node.GetInt("keepdims", 1) != 0);
            _mirrors[node.Outputs[0]!] = TokenTuneMirror.Dense(pooled);
            return true;
        }

        private void MatMul(Node node)
        {
            Value a = node.Inputs[0]!, b = node.Inputs[1]!;
            int ra = Rank(a), rb = Rank(b), r = Math.Max(ra, rb);
            if (ra < 2 || rb < 2) { CloneDense(node); return; }
            var ma = Rows(a);
            var mb = Rows(b);
            int? outA = ma?.Axis switch
            {
                null => null,
                var x when x == ra - 1 => null,                          // contracted: A must be recombined
                var x when x == ra - 2 => r - 2,
                var x => x + r - ra,
            };
            int? outB = mb?.Axis switch
            {
                null => null,
                var x when x == rb - 2 => null,
                var x when x == rb - 1 => r - 1,
                var x => x + r - rb,
            };
            // One selected axis per output: keep A's rows (the queries), recombine B (the keys or values).
            if (outA is not null && outB is not null && outA != outB) outB = null;
            if (outA is null && outB is null) { CloneDense(node); return; }
            var lead = outA is not null ? ma! : mb!;
            int axis = (outA ?? outB)!.Value;
            bool batchAxis = axis < r - 2;
            Value Operand(Value v, TokenTuneMirror? m, bool keepRows) =>
                keepRows ? m!.Value : batchAxis ? Beside(Dense(v)!, axis, r) : Dense(v)!;
            if (batchAxis && !lead.IsPlain) { CloneDense(node); return; }
            if ((ma is not null && outA is null) || (mb is not null && outB is null)) Mixing.Add(node);
            var ia = Operand(a, ma, outA is not null);
            var ib = Operand(b, mb, outB is not null);
            var outs = Clone(node, [ia, ib]);
            SetOutputs(node.Outputs, outs, v => lead.At(v, axis));
        }

        private void Gemm(Node node)
        {
            var m = Rows(node.Inputs[0]);
            bool transA = node.GetInt("transA", 0) != 0;
            var bias = node.InputOrNull(2);
            // Rows of A give rows of the output; a bias that varies along M (per token) is not handled row-wise.
            bool perRowBias = bias is not null && OpBuilder.StaticShape(bias) is { Length: 2 } bs && bs[0] != 1;
            if (m is null || m.Axis != (transA ? 1 : 0) || perRowBias || node.Inputs.Skip(1).Any(v => v is not null && Rows(v) is not null))
            {
                CloneDense(node);
                return;
            }
            var outs = Clone(node, node.Inputs.Select((v, i) => i == 0 ? m.Value : Dense(v)).ToArray());
            SetOutputs(node.Outputs, outs, v => m.At(v, 0));
        }

        private void Transpose(Node node)
        {
            var m = Rows(node.Inputs[0])!;
            int rank = Rank(node.Inputs[0]!);
            var perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            int axis = Array.IndexOf(perm, (long)m.Axis!.Value);
            var outs = Clone(node, [m.Value]);
            SetOutputs(node.Outputs, outs, v => m.At(v, axis));
        }

        /// <summary>Reshape, Flatten, Squeeze, Unsqueeze: a Reshape to the rows form of the output shape, when the tokens stay one block.</summary>
        private void Reshape(Node node)
        {
            var m = Rows(node.Inputs[0]);
            if (m is null || node.Inputs.Skip(1).Any(v => v is not null && _mirrors.ContainsKey(v))) { CloneDense(node); return; }
            var input = OpBuilder.StaticShape(node.Inputs[0]!);
            var output = OpBuilder.StaticShape(node.Outputs[0]!);
            if (MapTokens(input, m, output) is not { } mapped) { CloneDense(node); return; }
            var rows = (long[])output.Clone();
            rows[mapped.Axis!.Value] = Selection.RowsSize(output[mapped.Axis.Value]);
            var y = ops.Op("Reshape", m.Value, ops.Ints(rows));
            _mirrors[node.Outputs[0]!] = mapped with { Value = y };
        }

        /// <summary>Where the token block of <paramref name="input"/> lands in a reshape to <paramref name="output"/>, or null when it is split up.</summary>
        private TokenTuneMirror? MapTokens(long[] input, TokenTuneMirror m, long[] output)
        {
            int a = m.Axis!.Value;
            long stride = m.Inner * input.Skip(a + 1).Aggregate(1L, (p, d) => p * d);
            long before = input.Take(a).Aggregate(1L, (p, d) => p * d) * m.Outer;
            for (int b = 0; b < output.Length; b++)
            {
                long after = output.Skip(b + 1).Aggregate(1L, (p, d) => p * d);
                if (after == 0 || stride % after != 0) continue;
                long inner = stride / after;
                if (output[b] % (inner * sequence) != 0) continue;
                long outer = output[b] / (inner * sequence);
                if (output.Take(b).Aggregate(1L, (p, d) => p * d) * outer != before) continue;
                return new TokenTuneMirror(m.Value, b, outer, inner);
            }
            return null;
        }

        private void Expand(Node node)
        {
            var m = Rows(node.Inputs[0]);
            if (m is null || !m.IsPlain || _mirrors.ContainsKey(node.Inputs[1]!)) { CloneDense(node); return; }
            var output = OpBuilder.StaticShape(node.Outputs[0]!);
            int axis = m.Axis!.Value + output.Length - Rank(node.Inputs[0]!);
            var rows = (long[])output.Clone();
            rows[axis] = count;
            var y = ops.Op("Expand", m.Value, ops.Ints(rows));
            _mirrors[node.Outputs[0]!] = m.At(y, axis);
        }

        /// <summary>Split and Concat: row-wise unless they cut or join along the token axis.</summary>
        private void AlongAxis(Node node)
        {
            var output = node.Outputs[0]!;
            int rank = Rank(output);
            int along = (int)GradientContext.Axis(node.GetInt("axis", 0), rank);
            bool concat = node.OpType == "Concat";
            var data = concat ? node.Inputs.ToList() : [node.Inputs[0]];
            var rows = data.Select(Rows).ToList();
            var lead = rows.FirstOrDefault(x => x is not null);
            if (lead is null || !lead.IsPlain || rows.Any(x => x is not null && (x.Axis != lead.Axis || !x.IsPlain)) || lead.Axis == along
                || (!concat && node.Inputs.Skip(1).Any(v => v is not null && _mirrors.ContainsKey(v))))
            {
                CloneDense(node);
                return;
            }
            int axis = lead.Axis!.Value;
            var inputs = node.Inputs.Select((v, i) => v is null ? null : !concat && i > 0 ? v : Rows(v) is { } m ? m.Value : Beside(v, axis, rank)).ToArray();
            var outs = Clone(node, inputs);
            SetOutputs(node.Outputs, outs, v => lead.At(v, axis));
        }

        private void Slice(Node node)
        {
            var m = Rows(node.Inputs[0]);
            if (m is null || node.Inputs.Skip(1).Any(v => v is not null && _mirrors.ContainsKey(v))) { CloneDense(node); return; }
            int rank = Rank(node.Inputs[0]!);
            long[]? starts = ops.Opset < 10 ? node.GetInts("starts") : GradientContext.ConstantValue(node.InputOrNull(1))?.ToInt64Array();
            long[]? axes = ops.Opset < 10 ? node.GetInts("axes") : node.InputOrNull(3) is { } a ? GradientContext.ConstantValue(a)?.ToInt64Array() : null;
            if (starts is null || (axes is null && node.InputOrNull(3) is not null)) { CloneDense(node); return; }
            axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            // A slice along the tokens ([CLS], a prefix) picks positions: it reads the recombined tensor.
            if (axes.Any(x => GradientContext.Axis(x, rank) == m.Axis)) { CloneDense(node); return; }
            var outs = Clone(node, node.Inputs.Select((v, i) => i == 0 ? m.Value : v).ToArray());
            SetOutputs(node.Outputs, outs, v => m.At(v, m.Axis!.Value));
        }

        private void Gather(Node node)
        {
            Value data = node.Inputs[0]!, index = node.Inputs[1]!;
            int rank = Rank(data);
            int along = (int)GradientContext.Axis(node.GetInt("axis", 0), rank);
            var md = Rows(data);
            var mi = Rows(index);
            int indexRank = Rank(index);
            if (md is not null && mi is null && md.Axis != along && !_mirrors.ContainsKey(index))
            {
                // Row-wise: picks along another axis (RoPE's even/odd halves).
                int axis = md.Axis!.Value < along ? md.Axis.Value : md.Axis.Value + indexRank - 1;
                var outs = Clone(node, [md.Value, index]);
                SetOutputs(node.Outputs, outs, v => md.At(v, axis));
            }
            else if (md is null && mi is not null)
            {
                // An embedding lookup: the table row of each selected token.
                var outs = Clone(node, [Dense(data), mi.Value]);
                SetOutputs(node.Outputs, outs, v => mi.At(v, along + mi.Axis!.Value));
            }
            else CloneDense(node);   // a token-position gather ([CLS]) reads the recombined tensor
        }
    }
}

using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Passes;

/// <summary>
/// Holds frozen weights in int8 (QLoRA's idea in standard ONNX ops): a float matrix that only MatMul/Gemm read as
/// their weight becomes symmetric int8 with one float scale per output channel, read through DequantizeLinear; an
/// embedding table that only Gather reads gets one scale per row, and only the gathered rows are widened. Resident
/// weight memory drops to about a quarter. Run it after the trainable parameters became graph inputs (what is still
/// an initializer is frozen) and after <see cref="WeightTransposeFolding"/>, so the training and eval graphs quantize
/// the same tensors to the same bytes and share them.
/// </summary>
public static class FrozenWeightQuantization
{
    /// <summary>The manifest's methods entry of artifacts built with quantized frozen weights.</summary>
    public const string MethodName = "quantize";

    private const string QuantizedSuffix = ".int8";
    private const string ScaleSuffix = ".scale";

    /// <summary>Quantizes in place; returns the names of the weights now stored in int8.</summary>
    public static IReadOnlyList<string> Apply(Model model, FrozenWeightQuantizationOptions options)
    {
        var graph = model.Graph;
        var ops = new OpBuilder(graph, model.OpsetImports, "int8/");
        var quantized = new List<string>();
        foreach (var weight in graph.Initializers.ToList())
        {
            if (weight.IsGraphOutput || weight.Uses.Count == 0 || weight.Initializer is not { DataType: DataType.Float } tensor) continue;
            if (tensor.Dims.Count != 2 || tensor.Dims[0] * tensor.Dims[1] < options.MinElements || tensor.IsFolded) continue;
            var uses = weight.Uses.ToList();
            // The axis that indexes output channels: MatMul's B is [in, out]; Gemm's B is [out, in] with transB.
            int? channelAxis = null;
            bool AllReadAs(Func<Node, int, int?> axisOf) => uses.All(u =>
            {
                var axis = u.Node.Graph == graph && u.Node.Domain == "" ? axisOf(u.Node, u.InputIndex) : null;
                if (axis is null || (channelAxis is { } a && a != axis)) return false;
                channelAxis = axis;
                return true;
            });
            if (AllReadAs(static (n, i) => n.OpType switch
                {
                    "MatMul" when i == 1 => 1,
                    "Gemm" when i == 1 => n.GetInt("transB", 0) == 1 ? 0 : 1,
                    _ => null,
                }))
            {
                var (q, scale) = Quantize(graph, weight, channelAxis!.Value);
                ops.Builder.InsertionPoint = graph.FirstNode;
                var dequantized = ops.Op("DequantizeLinear", [q, scale], Attribute.Of("axis", (long)channelAxis.Value));
                weight.ReplaceAllUsesWith(dequantized);
            }
            else
            {
                channelAxis = null;
                if (!AllReadAs(static (n, i) => n.OpType == "Gather" && i == 0 && n.GetInt("axis", 0) == 0 ? 0 : null)) continue;
                var (q, scale) = Quantize(graph, weight, 0);
                foreach (var gather in uses.Select(u => u.Node).Distinct().ToList())
                {
                    // Widen only the rows read: Cast(Gather(q, ids)) · Gather(scale, ids)[..., None].
                    ops.Builder.InsertionPoint = gather;
                    var ids = gather.Inputs[1]!;
                    var rows = ops.Cast(ops.Op("Gather", q, ids), DataType.Float);
                    var rowScale = ops.Unsqueeze(ops.Op("Gather", scale, ids), OpBuilder.Rank(ids));
                    var widened = ops.Op("Mul", rows, rowScale);
                    gather.Outputs[0]!.ReplaceAllUsesWith(widened);
                    graph.Remove(gather);
                }
            }
            graph.RemoveInitializer(weight);
            quantized.Add(weight.Name);
        }
        return quantized;
    }

    /// <summary>
    /// Gives every backward node that reads a dequantized weight its own DequantizeLinear, placed just before it.
    /// Otherwise the forward's float copy of each weight would stay alive until the backward reads it, and all of
    /// them together would cost more than the float weights they replace.
    /// </summary>
    public static int DequantizeAgainForBackward(Model model, IReadOnlySet<Node> forward)
    {
        var graph = model.Graph;
        int copies = 0;
        foreach (var dq in graph.Nodes.Where(n => forward.Contains(n) && n is { OpType: "DequantizeLinear", Domain: "" }
                     && n.Inputs.All(i => i is null || i.IsInitializer)).ToList())
        {
            var output = dq.Outputs[0]!;
            foreach (var reader in output.Uses.Select(u => u.Node).Where(n => !forward.Contains(n)).Distinct().ToList())
            {
                var copy = new Node(dq.Domain, dq.OpType, dq.Inputs.ToArray(), [graph.UniqueName(output.Name + "_again")],
                    dq.Attributes.Values.ToArray(), graph.UniqueName(dq.Name + "_again"));
                graph.InsertBefore(reader, copy);
                copy.Outputs[0]!.Type = output.Type;
                for (int i = 0; i < reader.Inputs.Count; i++)
                    if (reader.Inputs[i] == output) reader.SetInput(i, copy.Outputs[0]);
                copies++;
            }
        }
        return copies;
    }

    /// <summary>
    /// The inverse for exports: every weight <see cref="Apply"/> stored in int8 becomes a float initializer again, holding
    /// the dequantized values the model trained against (q · s, under the weight's original name), read as before.
    /// Returns how many weights were restored.
    /// </summary>
    public static int Restore(Model model)
    {
        var graph = model.Graph;
        int restored = 0;
        var widened = new Dictionary<Value, Value>(); // int8 initializer → its float weight
        Value Widen(Value q, Value scale, int axis)
        {
            if (widened.TryGetValue(q, out var w)) return w;
            var name = q.Name.EndsWith(QuantizedSuffix, StringComparison.Ordinal) ? q.Name[..^QuantizedSuffix.Length] : q.Name;
            restored++;
            // The original name is free again (Apply removed that initializer), though the graph may remember it as used.
            if (graph.FindInitializer(name) is not null) name = graph.UniqueName(name);
            return widened[q] = graph.AddInitializer(name, Dequantize(q.Initializer!, scale.Initializer!, axis));
        }
        foreach (var node in graph.Nodes.ToList())
        {
            if (node is { OpType: "DequantizeLinear", Domain: "" } && node.Inputs.Count == 2 && Int8Weight(node.Inputs[0]) is { } q
                && node.Inputs[1] is { IsInitializer: true } scale)
            {
                node.Outputs[0]!.ReplaceAllUsesWith(Widen(q, scale, (int)node.GetInt("axis", 1)));
                graph.Remove(node);
            }
            // Mul(Cast(Gather(q, ids)), Unsqueeze(Gather(scale, ids))): a quantized embedding lookup.
            else if (node is { OpType: "Mul", Domain: "" } && node.Inputs[0]?.Producer is { OpType: "Cast" } cast
                     && cast.Inputs[0]?.Producer is { OpType: "Gather" } rows && Int8Weight(rows.Inputs[0]) is { } table
                     && node.Inputs[1]?.Producer is { OpType: "Unsqueeze" } unsqueeze
                     && unsqueeze.Inputs[0]?.Producer is { OpType: "Gather" } scales && scales.Inputs[0] is { IsInitializer: true } rowScale
                     && scales.Inputs[1] == rows.Inputs[1])
            {
                var gather = new GraphBuilder(graph) { InsertionPoint = node }.Op("Gather", Widen(table, rowScale, 0), rows.Inputs[1]);
                gather.Type = node.Outputs[0]!.Type;
                node.Outputs[0]!.ReplaceAllUsesWith(gather);
                graph.Remove(node);
            }
        }
        DeadCodeElimination.Sweep(graph);
        return restored;
    }

    private static Value? Int8Weight(Value? v) => v is { Initializer: { DataType: DataType.Int8, Dims.Count: 2 } } ? v : null;

    /// <summary>w = q · s along <paramref name="axis"/>.</summary>
    private static Tensor Dequantize(Tensor q, Tensor scale, int axis)
    {
        long rows = q.Dims[0], cols = q.Dims[1];
        var values = q.AsSpan<sbyte>();
        var s = scale.AsSpan<float>();
        var w = new float[rows * cols];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                w[r * cols + c] = values[(int)(r * cols + c)] * s[(int)(axis == 0 ? r : c)];
        return Tensor.FromArray(w, rows, cols);
    }

    /// <summary>Symmetric int8 per channel of <paramref name="axis"/>: q = round(w / s), s = max|w| / 127 (1 for an all-zero channel).</summary>
    private static (Value Q, Value Scale) Quantize(Graph graph, Value weight, int axis)
    {
        var tensor = weight.Initializer!;
        long rows = tensor.Dims[0], cols = tensor.Dims[1], channels = tensor.Dims[axis];
        var w = tensor.AsSpan<float>();
        var scales = new float[channels];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
            {
                long ch = axis == 0 ? r : c;
                scales[ch] = Math.Max(scales[ch], Math.Abs(w[(int)(r * cols + c)]));
            }
        for (long ch = 0; ch < channels; ch++) scales[ch] = scales[ch] > 0 ? scales[ch] / 127f : 1f;
        var q = new sbyte[rows * cols];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
            {
                long i = r * cols + c;
                q[i] = (sbyte)Math.Clamp(MathF.Round(w[(int)i] / scales[axis == 0 ? r : c], MidpointRounding.ToEven), -127, 127);
            }
        var qValue = graph.AddInitializer(graph.UniqueName(weight.Name + QuantizedSuffix), Tensor.FromArray(q, rows, cols));
        var scaleValue = graph.AddInitializer(graph.UniqueName(weight.Name + ScaleSuffix), Tensor.FromArray(scales, channels));
        return (qValue, scaleValue);
    }
}

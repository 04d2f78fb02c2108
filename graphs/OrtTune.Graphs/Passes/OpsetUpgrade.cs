using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Passes;

/// <summary>
/// Raises a model's default-domain (ai.onnx) operator set import to <see cref="Target"/>, so that backward graphs
/// may use newer ops (scatter with reduction="add" needs 16). Most ops keep their meaning across versions (new
/// versions mostly add types or optional attributes); the ones that do not, between <see cref="MinimumSource"/>
/// and <see cref="MaximumTarget"/>, are listed in <see cref="KnownChanges"/>: each is rewritten into the newer
/// form with the same results, or, where no rewrite keeps the meaning, the upgrade is refused before anything
/// changes, naming the nodes. Nodes inside subgraphs are upgraded too; other domains are left alone.
/// </summary>
public sealed class OpsetUpgrade(long target = OpsetUpgrade.DefaultTarget) : IPass
{
    public const long DefaultTarget = 17;

    /// <summary>Oldest opset upgraded: below 11 the attribute-to-input moves of Slice, Pad, Clip, TopK, Upsample and Resize-10 are not handled.</summary>
    public const long MinimumSource = 11;

    /// <summary>Newest target: changes after 18 (Cast-19 saturate, GridSample-20 modes, DFT-20, GroupNormalization-21) are not listed.</summary>
    public const long MaximumTarget = 18;

    public string Name => "opset-upgrade";
    public long Target => target;

    /// <summary>One schema change that alters what an existing node means; <see cref="Version"/> is the opset that made it.</summary>
    /// <param name="Refusal">The reason this node cannot be upgraded, or null when it can.</param>
    /// <param name="Rewrite">Turns the node into the new form; returns true when it changed something.</param>
    public sealed record SchemaChange(string Op, long Version, string Change, Func<Node, string?>? Refusal = null, Func<Node, bool>? Rewrite = null);

    public static IReadOnlyList<SchemaChange> KnownChanges { get; } =
    [
        new("Dropout", 12, "ratio moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "ratio", t => Tensor.Scalar(t.AsFloat()))),
        new("Softmax", 13, "axis no longer flattens the trailing axes into one, and its default changed from 1 to -1", Rewrite: SingleAxisSoftmax),
        new("LogSoftmax", 13, "as Softmax-13", Rewrite: SingleAxisSoftmax),
        new("Hardmax", 13, "as Softmax-13", Rewrite: SingleAxisSoftmax),
        new("Split", 13, "split sizes moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "split", Ints)),
        new("Squeeze", 13, "axes moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "axes", Ints)),
        new("Unsqueeze", 13, "axes moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "axes", Ints)),
        new("ReduceSum", 13, "axes moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "axes", Ints)),
        new("Resize", 13, "coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed",
            Refusal: n => n.GetString("coordinate_transformation_mode", "half_pixel") == "tf_half_pixel_for_nn"
                ? "uses coordinate_transformation_mode 'tf_half_pixel_for_nn', which Resize-13 no longer has" : null),
        new("BatchNormalization", 14, "the training outputs (mean, var, saved_mean, saved_var) were replaced by running_mean/running_var under training_mode",
            Refusal: n => n.Outputs.Skip(1).Any(o => o is not null)
                ? "has training-mode outputs, which BatchNormalization-14 defines differently" : null),
        new("RoiAlign", 16, "coordinate_transformation_mode was added with default 'half_pixel'; before, no half-pixel shift ('output_half_pixel')",
            Rewrite: n => SetDefault(n, Attribute.Of("coordinate_transformation_mode", "output_half_pixel"))),
        .. ReduceAxesToInput("ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
            "ReduceProd", "ReduceSumSquare"),
        new("Split", 18, "equal parts must be asked for with num_outputs when no split sizes are given", Rewrite: EqualSplit),
    ];

    public PassResult Run(Model model)
    {
        long from = model.DefaultOpset;
        if (from >= target) return new PassResult(false, $"already at opset {from}");
        if (target > MaximumTarget)
            throw new OrtTuneException($"Cannot raise the model to opset {target}: OpsetUpgrade knows the operator changes up to opset {MaximumTarget} only.");
        if (from < MinimumSource)
            throw new OrtTuneException(
                $"Cannot raise the model from opset {from}: OpsetUpgrade handles models from opset {MinimumSource} on. Re-export the model at opset {MinimumSource} or later.");

        var pending = model.Graph.AllNodes()
            .Where(n => n.Domain.Length == 0)
            .SelectMany(n => KnownChanges.Where(c => c.Op == n.OpType && c.Version > from && c.Version <= target)
                .OrderBy(c => c.Version).Select(c => (Node: n, Change: c)))
            .ToList();
        var refused = pending.Select(p => (p.Node, p.Change, Reason: p.Change.Refusal?.Invoke(p.Node))).Where(p => p.Reason is not null).ToList();
        if (refused.Count > 0)
            throw new OrtTuneException(
                $"Cannot raise the model from opset {from} to {target} without changing what it computes: " +
                string.Join("; ", refused.GroupBy(r => $"{r.Change.Op}-{r.Change.Version}").Select(g =>
                    $"{g.Key} ({g.First().Change.Change}): {string.Join(", ", g.Take(5).Select(r => $"node '{r.Node.Name}' {r.Reason}"))}" +
                    (g.Count() > 5 ? $" and {g.Count() - 5} more" : ""))) + ".");

        // Per node, older changes first: Split-13 moves its sizes to an input before Split-18 looks for them.
        int rewritten = 0;
        foreach (var (node, change) in pending)
            if (change.Rewrite?.Invoke(node) == true) rewritten++;
        model.OpsetImports[""] = target;
        model.IrVersion = Math.Max(model.IrVersion, IrVersionFor(target));
        return new PassResult(true, $"opset {from} → {target}, {rewritten} node rewrites");
    }

    /// <summary>The IR version that introduced an opset (the ONNX release that shipped it).</summary>
    private static long IrVersionFor(long opset) => opset switch
    {
        <= 11 => 6,
        <= 14 => 7,
        _ => 8,
    };

    private static IEnumerable<SchemaChange> ReduceAxesToInput(params string[] ops) =>
        ops.Select(op => new SchemaChange(op, 18, "axes moved from an attribute to an input", Rewrite: n => AttributeToInput(n, "axes", Ints)));

    private static Tensor Ints(Attribute a) => Tensor.Vector(a.AsInts());

    /// <summary>Moves attribute <paramref name="name"/> to a constant second input (the node has only its data input before).</summary>
    private static bool AttributeToInput(Node node, string name, Func<Attribute, Tensor> toTensor)
    {
        if (node.Attr(name) is not { } attribute) return false;
        if (node.Inputs.Count != 1)
            throw new InvalidOperationException($"{node}: expected one input before moving '{name}' to an input.");
        var graph = node.Graph!;
        var data = toTensor(attribute);
        data.MarkFolded(); // a constant of the graph, never a trainable parameter
        node.AppendInput(graph.AddInitializer(graph.UniqueName($"{Hint(node)}_{name}"), data));
        node.Attributes.Remove(name);
        return true;
    }

    private static bool SetDefault(Node node, Attribute value)
    {
        if (node.Attr(value.Name) is not null) return false;
        node.SetAttr(value);
        return true;
    }

    /// <summary>
    /// Before 13, softmax over axis a flattened x to 2-D [d₀…dₐ₋₁, dₐ…] and normalised each row. When a is the last
    /// axis that is the 13 meaning too (only the default must be written out); otherwise rebuild the old form:
    /// reshape(softmax(flatten(x, a), -1), shape(x)).
    /// </summary>
    private static bool SingleAxisSoftmax(Node node)
    {
        long axis = node.GetInt("axis", 1);
        var x = node.Inputs[0]!;
        if (x.Shape is { } shape && (axis < 0 ? axis + shape.Rank : axis) == shape.Rank - 1)
            return SetDefault(node, Attribute.Of("axis", axis));
        var flat = Insert(node, "Flatten", [x], Attribute.Of("axis", axis));
        var dims = Insert(node, "Shape", [x]);
        var rows = Insert(node, node.OpType, [flat], Attribute.Of("axis", -1L));
        node.OpType = "Reshape";
        node.Attributes.Clear();
        node.SetInput(0, rows);
        node.AppendInput(dims);
        return true;
    }

    /// <summary>Split-18 wants num_outputs for equal parts; equal parts of a divisible axis are the same either way.</summary>
    private static bool EqualSplit(Node node)
    {
        if (node.InputOrNull(1) is not null || node.Attr("num_outputs") is not null) return false;
        node.SetAttr(Attribute.Of("num_outputs", (long)node.Outputs.Count));
        return true;
    }

    /// <summary>Adds a one-output node just before <paramref name="anchor"/>, in its graph.</summary>
    private static Value Insert(Node anchor, string opType, Value[] inputs, params Attribute[] attributes)
    {
        var graph = anchor.Graph!;
        string name = graph.UniqueName($"{Hint(anchor)}/{opType}");
        var node = new Node("", opType, inputs, [graph.UniqueName(name + "_out")], attributes, name);
        graph.InsertBefore(anchor, node);
        return node.Outputs[0]!;
    }

    private static string Hint(Node node) => node.Name.Length > 0 ? node.Name : node.OpType;
}

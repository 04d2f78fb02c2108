using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Shapes;

namespace OrtTune.Graphs.Passes;

/// <summary>How <see cref="Specialization"/> fixes the dynamic dimensions of a model's inputs.</summary>
public sealed record SpecializationOptions
{
    /// <summary>Size of the batch axis (axis 0 of every input whose axis 0 is dynamic). Default: not fixed.</summary>
    public long? Batch { get; init; }

    /// <summary>Size of the sequence axis (axis 1 of every input whose axis 1 is dynamic). Default: not fixed.</summary>
    public long? Sequence { get; init; }

    /// <summary>Sizes by dimension name (dim_param), e.g. "past_sequence_length" = 0. Takes precedence over Batch/Sequence.</summary>
    public IReadOnlyDictionary<string, long> Dims { get; init; } = new Dictionary<string, long>();

    /// <summary>When true (the default), any dimension left dynamic after folding is an error naming the values.</summary>
    public bool RequireStatic { get; init; } = true;

    /// <summary>Safety bound on inference/folding rounds. Default 16.</summary>
    public int MaxRounds { get; init; } = 16;

    public ShapeInferenceOptions Inference { get; init; } = new();
}

/// <summary>
/// Fixes input sizes, then alternates shape inference and constant folding until every shape is static (or no
/// more progress is made). The result computes exactly what the original computes for inputs of the fixed sizes.
/// </summary>
public sealed class Specialization(SpecializationOptions options) : IPass
{
    public string Name => "specialization";

    public PassResult Run(Model model)
    {
        int fixedDims = FixInputs(model.Graph);
        int folded = 0, removed = 0;
        InferenceResult? last = null;
        var inference = options.Inference with { KeepDeclaredTypes = false };
        for (int round = 0; round < options.MaxRounds; round++)
        {
            last = ShapeInference.Run(model, inference);
            int n = ConstantFolding.Apply(model.Graph, last.KnownValues);
            removed += DeadCodeElimination.Sweep(model.Graph).nodes;
            folded += n;
            if (n == 0) break;
        }
        last = ShapeInference.Run(model, inference);
        UpdateOutputTypes(model.Graph);
        if (options.RequireStatic) CheckStatic(model.Graph, last);
        return new PassResult(fixedDims + folded + removed > 0,
            $"fixed {fixedDims} input dims, folded {folded} values, removed {removed} nodes");
    }

    private int FixInputs(Graph graph)
    {
        int count = 0;
        foreach (var input in graph.Inputs)
        {
            if (input.IsInitializer || input.TensorType is not { Shape: { } shape } type) continue;
            var dims = new Dim[shape.Rank];
            for (int axis = 0; axis < shape.Rank; axis++)
            {
                var d = shape[axis];
                dims[axis] = d.IsKnown ? d : Resolve(input, axis, d) is { } v ? Dim.Known(v) : d;
                if (!d.IsKnown && dims[axis].IsKnown) count++;
            }
            input.Type = type with { Shape = new Shape(dims) };
        }
        return count;
    }

    private long? Resolve(Value input, int axis, Dim dim)
    {
        if (dim.Symbol is { } name && options.Dims.TryGetValue(name, out var byName)) return byName;
        return axis switch
        {
            0 => options.Batch,
            1 => options.Sequence,
            _ => null,
        };
    }

    /// <summary>Declared output types from the file may still carry symbols; replace them with what inference found.</summary>
    private static void UpdateOutputTypes(Graph graph)
    {
        foreach (var output in graph.Outputs)
            if (output.Producer is null && output.Initializer is { } t) output.Type = t.Type;
    }

    private static void CheckStatic(Graph graph, InferenceResult result)
    {
        var dynamicInputs = graph.Inputs.Where(v => v.Shape is not { IsStatic: true }).ToList();
        if (dynamicInputs.Count > 0)
            throw new ShapeException("Cannot make the model static: input dimensions are still dynamic: " +
                string.Join("; ", dynamicInputs.Select(v => $"'{v.Name}' {v.Type}")) +
                ". Fix them with --batch, --seq or --dim NAME=SIZE.");
        if (result.Unresolved.Count > 0)
            throw new ShapeException($"Cannot make the model static: {result.Unresolved.Count} values keep dynamic shapes, e.g. " +
                string.Join("; ", result.Unresolved.Take(5).Select(u => $"{u} (node '{u.Producer?.Name}', {u.Producer?.QualifiedOpType})")));
    }
}

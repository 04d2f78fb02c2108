using OrtTune.Graphs.Evaluation;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Passes;

/// <summary>
/// Stores constant weights in the layout the graph reads them: an initializer that only Transpose nodes of one perm
/// read (torch.onnx's MatMul(x, Transpose(W)) for a Linear layer exported without constant folding) gets the
/// transposed data under its own name, and the Transposes go. ONNX Runtime would fold them anyway, once per session
/// and from the model file; folded here, the weight is one tensor that the training and eval graphs share as it is.
/// Run it after the trainable parameters became graph inputs: only what stays constant is touched.
/// </summary>
public static class WeightTransposeFolding
{
    /// <summary>Folds in place; returns the number of initializers stored transposed.</summary>
    public static int Apply(Graph graph)
    {
        int folded = 0;
        foreach (var weight in graph.Initializers.ToList())
        {
            if (weight.IsGraphOutput || weight.Uses.Count == 0 || weight.Initializer!.DataType == DataType.String) continue;
            var readers = weight.Uses.Select(u => u.Node).Distinct().ToList();
            if (readers.Any(n => n.Graph != graph || n.OpType != "Transpose" || n.Domain != "" || n.Outputs[0] is not { IsGraphOutput: false })) continue;
            var perm = readers[0].GetInts("perm");
            if (readers.Any(n => !(n.GetInts("perm") ?? []).SequenceEqual(perm ?? []))) continue;

            var view = ConstantKernels.Evaluate(readers[0], [weight.Initializer])[0]!;
            var data = Tensor.FromRaw(view.DataType, view.Dims.ToArray(), view.RawBytes); // materialised, not a strided view
            weight.Initializer = data;
            weight.Type = new TensorType(data.DataType, new Shape(data.Dims.ToArray()));
            foreach (var transpose in readers)
            {
                transpose.Outputs[0]!.ReplaceAllUsesWith(weight);
                graph.Remove(transpose);
            }
            folded++;
        }
        return folded;
    }
}

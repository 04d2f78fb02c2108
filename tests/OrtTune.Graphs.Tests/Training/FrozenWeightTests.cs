using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Graphs.Training;

namespace OrtTune.Graphs.Tests.Training;

/// <summary>
/// The exported fixtures multiply by frozen weights through Transpose(W). ONNX Runtime would fold that transpose into a
/// constant of its own; if the backward pass also read W itself, both layouts would stay resident. So the training
/// graph stores such a weight transposed (WeightTransposeFolding) and both passes read that one tensor: no frozen
/// weight is read through a Transpose and by something else.
/// </summary>
[TestClass]
public sealed class FrozenWeightTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void The_backward_pass_reads_a_frozen_weight_in_the_layout_the_forward_does(string fixture)
    {
        var c = OrtTune.Graphs.Tests.Rewrites.TokenTuneTests.FixtureCase(fixture);
        var training = TrainingGraphBuilder.Build(OnnxModelIO.Load(c.Path), new TrainingGraphOptions
        {
            Shapes = new SpecializationOptions { Batch = c.Batch, Sequence = c.Sequence },
            Loss = new LossOptions(c.Kind),
            // Only the token embeddings train: the backward pass runs through every frozen layer above them.
            Parameters = new ParameterSelection { Train = ["*embed*", "wte*"] },
        });
        var graph = training.Model.Graph;
        int sharedByBothPasses = 0;
        foreach (var weight in graph.Initializers.Where(v => v.Shape is { Rank: 2 }))
        {
            var readers = weight.Uses.Select(u => u.Node).Distinct().ToList();
            if (readers.Any(n => n.OpType == "Transpose"))
                Assert.HasCount(1, readers, $"{fixture}: frozen '{weight.Name}' is read through a Transpose and also by " +
                    string.Join(", ", readers.Where(n => n.OpType != "Transpose").Select(n => $"{n.OpType} '{n.Name}'")));
            if (readers.Count > 1 && readers.All(n => n.OpType is "MatMul" or "Gemm")) sharedByBothPasses++;
        }
        Assert.IsGreaterThan(0, sharedByBothPasses, $"{fixture}: no frozen weight is read by the forward and the backward pass, so the test checks nothing");
    }
}

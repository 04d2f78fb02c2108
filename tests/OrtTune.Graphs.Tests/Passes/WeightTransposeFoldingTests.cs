using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Passes;

/// <summary>
/// Weights read only through a Transpose are stored transposed, under their own names, with the same outputs; a
/// weight that something else reads too (GPT-2's tied embedding, read by Gather and by the LM head's Transpose) stays.
/// </summary>
[TestClass]
public sealed class WeightTransposeFoldingTests
{
    public static IEnumerable<object[]> Fixtures() => TestPaths.FixtureNames.Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(Fixtures))]
    public void Weights_read_through_a_transpose_are_stored_transposed(string fixture)
    {
        var dir = Path.Combine(TestPaths.FixtureModels, fixture);
        var path = Path.Combine(dir, "model.onnx");
        var inputs = OrtHarness.FixtureInputs(dir);
        var model = OnnxModelIO.Load(path);
        var graph = model.Graph;
        var transposedWeights = graph.Initializers.Where(w => w.Uses.Count > 0 && w.Uses.All(u => u.Node.OpType == "Transpose")).Select(w => w.Name).ToList();
        var shared = graph.Initializers.Where(w => w.Uses.Any(u => u.Node.OpType == "Transpose") && w.Uses.Any(u => u.Node.OpType != "Transpose"))
            .Select(w => w.Name).ToList();
        var names = graph.Initializers.Select(w => w.Name).ToHashSet();

        int folded = WeightTransposeFolding.Apply(graph);

        Assert.AreEqual(transposedWeights.Count, folded);
        Assert.IsGreaterThan(0, folded, "every fixture reads some weight through a Transpose");
        foreach (var name in transposedWeights)
            Assert.IsFalse(graph.FindInitializer(name)!.Uses.Any(u => u.Node.OpType == "Transpose"), $"'{name}' is still read through a Transpose");
        foreach (var name in shared)
            Assert.IsTrue(graph.FindInitializer(name)!.Uses.Any(u => u.Node.OpType == "Transpose"), $"'{name}' has other readers and keeps its layout");
        CollectionAssert.AreEquivalent(names.ToList(), graph.Initializers.Select(w => w.Name).ToList(), "the same initializer names");

        var expected = OrtHarness.Run(path, inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, value) in expected)
            Assert.AreEqual(0, OrtHarness.MaxAbsDiff(value, actual[name]), $"{fixture}: output '{name}'");
    }
}

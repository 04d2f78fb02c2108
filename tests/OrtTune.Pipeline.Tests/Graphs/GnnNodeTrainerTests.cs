using OrtTune.Graphs.Gnn;
using OrtTune.Pipeline.Graphs;

namespace OrtTune.Pipeline.Tests.Graphs;

/// <summary>Short real training runs on CoraML (skipped without the shared data): both methods learn well above chance.</summary>
[TestClass]
public sealed class GnnNodeTrainerTests
{
    private static GraphDataset CoraML()
    {
        var path = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "data", "graphs", "npz", "cora_ml.npz"));
        if (!File.Exists(path)) Assert.Inconclusive($"Skipped: needs {path} (the shared data folder beside the repository is absent).");
        return FeatureNormalization.RowSum(NpzGraphReader.Read(path));
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "orttune-tests", "gnn-" + Guid.NewGuid().ToString("N")[..8]);

    [TestMethod]
    public void Single_forward_learns_layer_by_layer()
    {
        var graph = CoraML();
        var split = NodeSplits.Generate(graph.NodeCount)[0];
        var spec = new GnnGraphSpec
        {
            Nodes = graph.NodeCount, Classes = graph.ClassCount, Features = graph.FeatureCount, Edges = graph.EdgeCount + 2L * split.Train.Length,
            Hidden = 32, Seed = 1,
        };
        var root = TempDir();
        var dirs = Enumerable.Range(0, 2).Select(l =>
        {
            var dir = Path.Combine(root, $"layer{l}");
            GnnArtifacts.Write(GnnModels.SingleForwardLayer(spec, l, false), GnnModels.SingleForwardLayer(spec, l, true), dir, new GnnTrainingOptions { LearningRate = 1e-2 });
            return dir;
        }).ToList();
        var reports = new List<GnnProgress>();
        var results = new GnnNodeTrainer(new GnnTrainerOptions { Epochs = 30, LearningRate = 1e-2f })
            .TrainSingleForward(graph, split, dirs, new Progress(reports.Add));

        Assert.HasCount(2, results);
        // 7 classes: chance is 14 %, the largest class 30 %.
        foreach (var r in results) Assert.IsGreaterThan(60.0, r.TestAccuracy, $"{r.Layers} layer(s): test accuracy {r.TestAccuracy:F1} %");
        Assert.AreEqual(30, results[0].Epochs);
        Assert.IsTrue(reports.Any(p => p.Unit == 1), "progress reports the second layer");
    }

    [TestMethod]
    public void Backprop_learns()
    {
        var graph = CoraML();
        var split = NodeSplits.Generate(graph.NodeCount)[1];
        var spec = new GnnGraphSpec { Nodes = graph.NodeCount, Classes = graph.ClassCount, Features = graph.FeatureCount, Edges = graph.EdgeCount, Hidden = 32, Seed = 1 };
        var dir = TempDir();
        GnnArtifacts.Write(GnnModels.Backprop(spec, 2, false), GnnModels.Backprop(spec, 2, true), dir, new GnnTrainingOptions { LearningRate = 1e-2 });
        var result = new GnnNodeTrainer(new GnnTrainerOptions { Epochs = 30, LearningRate = 1e-2f }).TrainBackprop(graph, split, dir, 2);
        // Backprop starts slower (tiny logits from row-normalised features): above the largest class (30 %), well above chance.
        Assert.IsGreaterThan(40.0, result.TestAccuracy, $"test accuracy {result.TestAccuracy:F1} %");
        Assert.AreEqual(2, result.Layers);
    }

    [TestMethod]
    public void Forward_forward_with_label_appending_learns_layer_by_layer()
    {
        var graph = CoraML();
        var split = NodeSplits.Generate(graph.NodeCount)[0];
        var spec = new GnnGraphSpec { Nodes = graph.NodeCount, Classes = graph.ClassCount, Features = graph.FeatureCount, Edges = graph.EdgeCount, Hidden = 32, Seed = 1 };
        var root = TempDir();
        var training = new GnnTrainingOptions { LearningRate = 3e-2, Loss = OrtTune.Graphs.Losses.LossKind.BinaryCrossEntropyWithLogits };
        var dirs = Enumerable.Range(0, 2).Select(l =>
        {
            var dir = Path.Combine(root, $"layer{l}");
            GnnArtifacts.Write(LabelAppendingModels.Layer(spec, l, split.Train.Length, false), LabelAppendingModels.Layer(spec, l, split.Train.Length, true), dir, training);
            return dir;
        }).ToList();
        var reports = new List<GnnProgress>();
        var results = new GnnNodeTrainer(new GnnTrainerOptions { Epochs = 60, LearningRate = 3e-2f, ValidateEvery = 10 })
            .TrainForwardForwardLabelAppending(graph, split, dirs, seed: 1, new Progress(reports.Add));

        Assert.HasCount(2, results);
        // A random first layer already ranks the appended labels by their neighbours' labels; the BCE must still fall.
        var first = reports.Where(p => p.Unit == 0).ToList();
        Assert.IsLessThan(first[0].Loss * 0.8, first[^1].Loss, $"layer 1 BCE {first[0].Loss:F3} → {first[^1].Loss:F3}");
        // 7 classes: chance is 14 %, the largest class 30 %.
        foreach (var r in results) Assert.IsGreaterThan(50.0, r.TestAccuracy, $"{r.Layers} layer(s): test accuracy {r.TestAccuracy:F1} %");
    }

    [TestMethod]
    public void Label_rows_are_one_hot_for_labelled_nodes_and_uniform_elsewhere()
    {
        var graph = new GraphDataset
        {
            NodeCount = 3, FeatureCount = 1, ClassCount = 4, Features = [1, 1, 1], Labels = [0, 1, 2], EdgeSource = [], EdgeTarget = [], ClassNames = ["a", "b", "c", "d"],
        };
        CollectionAssert.AreEqual(new float[] { .25f, .25f, .25f, .25f, 0, 0, 0, 1, .25f, .25f, .25f, .25f },
            GnnNodeTrainer.LabelRows(graph, [(1, 3)]));
    }

    [TestMethod]
    public void Top_to_input_trains_all_layers_together()
    {
        var graph = CoraML();
        var split = NodeSplits.Generate(graph.NodeCount)[0];
        var spec = new GnnGraphSpec
        {
            Nodes = graph.NodeCount, Classes = graph.ClassCount, Features = graph.FeatureCount, Edges = graph.EdgeCount + 2L * split.Train.Length,
            Hidden = 32, Seed = 1,
        };
        var root = TempDir();
        var dirs = Enumerable.Range(0, 2).Select(l =>
        {
            var dir = Path.Combine(root, $"layer{l}");
            long above = l == 1 ? graph.ClassCount : spec.Hidden;
            GnnArtifacts.Write(TopToInputModels.Layer(spec, l, above, false), TopToInputModels.Layer(spec, l, above, true), dir, new GnnTrainingOptions { LearningRate = 1e-2 });
            return dir;
        }).ToList();
        var reports = new List<GnnProgress>();
        var result = new GnnNodeTrainer(new GnnTrainerOptions { Epochs = 20, LearningRate = 1e-2f, ValidateEvery = 10, TestTimeSteps = 3 })
            .TrainSingleForwardTopToInput(graph, split, dirs, 32, new Progress(reports.Add));

        Assert.AreEqual(2, result.Layers);
        Assert.AreEqual(20, result.Epochs);
        Assert.IsGreaterThan(60.0, result.TestAccuracy, $"test accuracy {result.TestAccuracy:F1} %");
        Assert.HasCount(20, reports);
    }

    private sealed class Progress(Action<GnnProgress> report) : IProgress<GnnProgress>
    {
        public void Report(GnnProgress value) => report(value);
    }
}

using System.Text.Json;
using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.Losses;

/// <summary>
/// One PyTorch loss reference of tests/fixtures/training/losses (tools/fixtures/export_training_refs.py), and the
/// one-loss models the tests build around it: a graph input "prediction" feeding <see cref="Loss.Append"/>.
/// </summary>
public sealed class LossFixture
{
    public static string Root => Path.Combine(TestPaths.RepoRoot, "tests", "fixtures", "training", "losses");

    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(Root).Select(Path.GetFileName).Order().Select(n => new object[] { n! });

    private LossFixture(string name)
    {
        var dir = Path.Combine(Root, name);
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "meta.json")));
        Kind = Enum.Parse<LossKind>(meta.RootElement.GetProperty(name).GetProperty("kind").GetString()!);
        Prediction = Npy.Read(Path.Combine(dir, "prediction.npy"));
        Labels = Npy.Read(Path.Combine(dir, "labels.npy"));
        Loss = Npy.Read(Path.Combine(dir, "loss.npy")).ToArray<double>()[0];
        Grad = Npy.Read(Path.Combine(dir, "grad.npy")).ToArray<double>();
    }

    public static LossFixture Load(string name) => new(name);

    public LossKind Kind { get; }
    public Tensor Prediction { get; }
    public Tensor Labels { get; }
    public double Loss { get; }

    /// <summary>d loss / d prediction from autograd, in double.</summary>
    public double[] Grad { get; }

    /// <summary>The fixture's prediction and labels converted to <paramref name="type"/> (labels stay int64).</summary>
    public Dictionary<string, Tensor> Feeds(DataType type, string labelsName)
    {
        var labels = Labels.DataType == DataType.Int64 ? Labels : Convert(Labels, type);
        return new() { ["prediction"] = Convert(Prediction, type), [labelsName] = labels };
    }

    public static Tensor Convert(Tensor t, DataType type) => type switch
    {
        DataType.Float => t.DataType == DataType.Float ? t : Tensor.FromArray(Array.ConvertAll(t.ToArray<double>(), v => (float)v), t.Dims.ToArray()),
        DataType.Double => t.DataType == DataType.Double ? t : Tensor.FromArray(Array.ConvertAll(t.ToArray<float>(), v => (double)v), t.Dims.ToArray()),
        DataType.Float16 => Tensor.FromArray(Array.ConvertAll(t.ToArray<float>(), v => (Half)v), t.Dims.ToArray()),
        _ => throw new ArgumentException(type.ToString()),
    };

    /// <summary>A model computing <paramref name="kind"/> on a prediction input of the given type and dims.</summary>
    public static (Model Model, Value Prediction, Value Loss) Build(LossKind kind, DataType type, IEnumerable<Dim> dims, long opset = 17, LossOptions? options = null)
    {
        var graph = new Graph("loss-test");
        var model = new Model(graph) { IrVersion = 8 };
        model.OpsetImports[""] = opset;
        var x = graph.AddInput("prediction", new TensorType(type, new Shape(dims)));
        var loss = OrtTune.Graphs.Losses.Loss.Append(model, x, options ?? new LossOptions(kind));
        graph.Outputs.Add(loss);
        return (model, x, loss);
    }

    public (Model Model, Value Prediction, Value Loss) Build(DataType type, long opset = 17) =>
        Build(Kind, type, Prediction.Dims.Select(d => (Dim)d), opset);

    /// <summary>Adds d loss / d prediction as the output "prediction_grad" (through ReverseMode).</summary>
    public static void AddGradientOutput(Model model, Value prediction, Value loss)
    {
        var grad = ReverseMode.Differentiate(model, loss, [prediction])[prediction];
        var ops = new OpBuilder(model.Graph, model.OpsetImports);
        var output = ops.Op("Identity", grad);
        model.Graph.RenameValue(output, "prediction_grad");
        model.Graph.Outputs.Add(output);
    }

    public static double Run(Model model, Dictionary<string, Tensor> feeds) =>
        Autodiff.GradientCheck.ToDoubles(OrtHarness.Run(OnnxModelIO.ToBytes(model), feeds, ["loss"])["loss"])[0];
}

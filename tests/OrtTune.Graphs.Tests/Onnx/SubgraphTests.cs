using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.TestSupport;
using AttributeType = OrtTune.Graphs.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// If and Loop bodies that read outer-scope values and hold their own initializers: they survive a save, their outer
/// reads are uses (so passes see them), and ordering respects them.
/// </summary>
[TestClass]
public sealed class SubgraphTests
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Round_trip_gives_bit_identical_outputs(bool condition)
    {
        var dir = TestPaths.TempDirectory("subgraph");
        try
        {
            var original = Path.Combine(dir, "original.onnx");
            File.WriteAllBytes(original, BuildModel(producersFirst: true).ToByteArray());
            var saved = Path.Combine(dir, "saved.onnx");
            OnnxModelIO.Save(OnnxModelIO.Load(original), saved);

            var inputs = Inputs(condition);
            var expected = OrtHarness.Run(original, inputs);
            var actual = OrtHarness.Run(saved, inputs);

            Assert.HasCount(2, expected);
            foreach (var (name, tensor) in expected)
                Assert.IsTrue(tensor.ContentEquals(actual[name]), $"output '{name}' differs after the round trip (cond={condition})");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Branch_initializers_and_outer_reads_survive_a_round_trip()
    {
        var model = OnnxModelIO.Load(OnnxModelIO.ToBytes(OnnxModelIO.Load(BuildModel(producersFirst: true).ToByteArray())));

        var ifNode = model.Graph.Nodes.Single(n => n.OpType == "If");
        var thenBranch = ifNode.Attr("then_branch")!.AsGraph();
        var elseBranch = ifNode.Attr("else_branch")!.AsGraph();
        var body = model.Graph.Nodes.Single(n => n.OpType == "Loop").Attr("body")!.AsGraph();
        CollectionAssert.AreEqual(new[] { "then_bias" }, thenBranch.Initializers.Select(v => v.Name).ToList());
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, thenBranch.Initializers.Single().Initializer!.ToArray<float>());
        CollectionAssert.AreEqual(new[] { "else_scale" }, elseBranch.Initializers.Select(v => v.Name).ToList());
        CollectionAssert.AreEqual(new[] { "body_k" }, body.Initializers.Select(v => v.Name).ToList());
        Assert.AreSame(model.Graph, thenBranch.Parent);
        Assert.AreSame(ifNode, thenBranch.OwnerNode);

        // The branch reads the outer value itself, not a look-alike.
        var square = model.Graph.Nodes.Single(n => n.Name == "square").Outputs[0];
        Assert.AreSame(square, thenBranch.Nodes.Single().Inputs[0]);
    }

    [TestMethod]
    public void Outer_values_read_only_inside_subgraphs_count_as_uses()
    {
        var model = OnnxModelIO.Load(BuildModel(producersFirst: true).ToByteArray());

        var square = Output(model, "square");
        var negated = Output(model, "negate");
        Assert.HasCount(1, square.Uses);
        Assert.AreEqual("then_add", square.Uses[0].Node.Name);
        CollectionAssert.AreEquivalent(new[] { "else_mul", "body_step" }, negated.Uses.Select(u => u.Node.Name).ToList());
    }

    [TestMethod]
    public void Dead_code_elimination_keeps_producers_of_values_read_in_subgraphs()
    {
        var model = OnnxModelIO.Load(BuildModel(producersFirst: true).ToByteArray());

        var result = new DeadCodeElimination().Run(model);

        Assert.IsTrue(result.Modified);
        CollectionAssert.AreEqual(new[] { "square", "negate", "branch", "loop" }, model.Graph.Nodes.Select(n => n.Name).ToList());
        var inputs = Inputs(condition: false);
        var expected = OrtHarness.Run(BuildModel(producersFirst: true).ToByteArray(), inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(model), inputs);
        foreach (var (name, tensor) in expected)
            Assert.IsTrue(tensor.ContentEquals(actual[name]), $"output '{name}' changed after dead-code elimination");
    }

    [TestMethod]
    public void Removing_the_if_drops_the_uses_its_branches_made()
    {
        var model = OnnxModelIO.Load(BuildModel(producersFirst: true).ToByteArray());
        var square = Output(model, "square");

        model.Graph.Remove(model.Graph.Nodes.Single(n => n.Name == "branch"), safe: false);

        Assert.IsEmpty(square.Uses);
        Assert.HasCount(1, Output(model, "negate").Uses);
    }

    [TestMethod]
    public void Topological_sort_puts_producers_of_outer_values_before_the_if()
    {
        var model = OnnxModelIO.Load(BuildModel(producersFirst: false).ToByteArray());
        List<string> Order() => model.Graph.Nodes.Select(n => n.Name).ToList();
        bool Before(string a, string b) => Order().IndexOf(a) < Order().IndexOf(b);
        Assert.IsTrue(Before("branch", "square") && Before("loop", "negate"), "premise: the file lists the consumers first");

        model.Graph.TopologicalSort();

        var order = string.Join(",", Order());
        Assert.IsTrue(Before("square", "branch"), order);
        Assert.IsTrue(Before("negate", "branch"), order);
        Assert.IsTrue(Before("negate", "loop"), order);
        Assert.AreEqual(5, model.Graph.NodeCount);
        Assert.HasCount(5, Order());
    }

    private static Value Output(Model model, string nodeName) => model.Graph.Nodes.Single(n => n.Name == nodeName).Outputs[0]!;

    private static Dictionary<string, Tensor> Inputs(bool condition) => new()
    {
        ["cond"] = Tensor.FromArray([condition]),
        ["x"] = Tensor.FromArray([0.5f, -1.25f, 2f, -3f, 0.75f, 1.5f], 2, 3),
        ["n"] = Tensor.FromArray([3L]),
    };

    /// <summary>
    /// y = If(cond, then: square + then_bias, else: negate * else_scale); s = Loop(n, x; body: s + negate * body_k);
    /// square = x * x and negate = -x are read only inside the subgraphs. "dead" is never read.
    /// With <paramref name="producersFirst"/> false the file lists the If and the Loop before their producers.
    /// </summary>
    private static ModelProto BuildModel(bool producersFirst)
    {
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Initializer.Add(FloatTensor("then_bias", 1f, 2f, 3f));
        thenBranch.Node.Add(Node("Add", ["sq", "then_bias"], ["then_out"], "then_add"));
        thenBranch.Output.Add(ValueInfo("then_out", DataType.Float, 2, 3));

        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Initializer.Add(FloatTensor("else_scale", 0.5f, -1f, 2f));
        elseBranch.Node.Add(Node("Mul", ["neg", "else_scale"], ["else_out"], "else_mul"));
        elseBranch.Output.Add(ValueInfo("else_out", DataType.Float, 2, 3));

        var body = new GraphProto { Name = "body" };
        body.Input.Add(ValueInfo("i", DataType.Int64));
        body.Input.Add(ValueInfo("c_in", DataType.Bool));
        body.Input.Add(ValueInfo("s_in", DataType.Float, 2, 3));
        body.Initializer.Add(FloatTensor("body_k", 0.25f, 0.5f, 1f));
        body.Node.Add(Node("Mul", ["neg", "body_k"], ["step"], "body_step"));
        body.Node.Add(Node("Add", ["s_in", "step"], ["s_out"], "body_add"));
        body.Node.Add(Node("Identity", ["c_in"], ["c_out"], "body_cond"));
        body.Output.Add(ValueInfo("c_out", DataType.Bool));
        body.Output.Add(ValueInfo("s_out", DataType.Float, 2, 3));

        var producers = new[]
        {
            Node("Mul", ["x", "x"], ["sq"], "square"),
            Node("Neg", ["x"], ["neg"], "negate"),
        };
        var consumers = new[]
        {
            Node("If", ["cond"], ["y"], "branch",
                new AttributeProto { Name = "then_branch", Type = AttributeType.Graph, G = thenBranch },
                new AttributeProto { Name = "else_branch", Type = AttributeType.Graph, G = elseBranch }),
            Node("Loop", ["n", "", "x"], ["s"], "loop", new AttributeProto { Name = "body", Type = AttributeType.Graph, G = body }),
        };

        var graph = new GraphProto { Name = "main" };
        graph.Input.Add(ValueInfo("cond", DataType.Bool));
        graph.Input.Add(ValueInfo("x", DataType.Float, 2, 3));
        graph.Input.Add(ValueInfo("n", DataType.Int64));
        graph.Node.AddRange(producersFirst ? producers.Concat(consumers) : consumers.Concat(producers));
        graph.Node.Add(Node("Relu", ["x"], ["unused"], "dead"));
        graph.Output.Add(ValueInfo("y", DataType.Float, 2, 3));
        graph.Output.Add(ValueInfo("s", DataType.Float, 2, 3));

        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    private static TensorProto FloatTensor(string name, params float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.Add(values.Length);
        t.FloatData.AddRange(values);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}

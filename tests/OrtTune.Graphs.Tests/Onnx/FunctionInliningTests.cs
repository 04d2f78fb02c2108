using Google.Protobuf;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using OrtTune.Graphs.Tests.TestSupport;
using AttributeType = OrtTune.Graphs.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// Model-local functions are expanded on load: the IR holds only primitive ops, every name stays unique, and the
/// expanded model computes what ONNX Runtime computes for the original (ORT runs model-local functions itself).
/// </summary>
[TestClass]
public sealed class FunctionInliningTests
{
    private const string Custom = "test.functions";

    [TestMethod]
    public void Loaded_model_holds_no_function_calls()
    {
        var model = OnnxModelIO.Load(BuildModel().ToByteArray());

        var custom = model.Graph.AllNodes().Where(n => n.Domain == Custom).Select(n => n.Name).ToList();
        Assert.IsEmpty(custom, $"function calls left: {string.Join(", ", custom)}");
        // Scale (3 per Outer call) + LeakyRelu (1 per Inner) + the Add around them; 2 Outer calls and 1 direct Inner call.
        var ops = model.Graph.Nodes.Select(n => n.OpType).ToList();
        Assert.AreEqual(2, ops.Count(o => o == "Mul"), string.Join(",", ops));
        Assert.AreEqual(3, ops.Count(o => o == "LeakyRelu"), string.Join(",", ops));
    }

    [TestMethod]
    public void Inlined_names_are_unique()
    {
        var model = OnnxModelIO.Load(BuildModel().ToByteArray());

        var values = model.Graph.Inputs.Select(v => v.Name)
            .Concat(model.Graph.Initializers.Select(v => v.Name))
            .Concat(model.Graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>().Select(v => v.Name)).ToList();
        var duplicateValues = values.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.IsEmpty(duplicateValues, $"value names defined twice: {string.Join(", ", duplicateValues)}");
        var nodeNames = model.Graph.Nodes.Select(n => n.Name).ToList();
        Assert.IsFalse(nodeNames.Any(string.IsNullOrEmpty), "an inlined node has no name");
        var duplicateNodes = nodeNames.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.IsEmpty(duplicateNodes, $"node names used twice: {string.Join(", ", duplicateNodes)}");
        // The main graph already defines "call1/t"; the inlined intermediate of call1 must not take that name.
        Assert.AreEqual(1, values.Count(v => v == "call1/t"));
    }

    [TestMethod]
    public void Inlined_model_matches_ort_running_the_functions()
    {
        var proto = BuildModel();
        var inputs = new Dictionary<string, Tensor>
        {
            ["x"] = Tensor.FromArray([-1.5f, 2f, -3f, 0.25f, 5f, -0.75f], 2, 3),
            ["y"] = Tensor.FromArray([2f, -1f, 0.5f, -4f, 1f, 3f], 2, 3),
        };

        var expected = OrtHarness.Run(proto.ToByteArray(), inputs);
        var actual = OrtHarness.Run(OnnxModelIO.ToBytes(OnnxModelIO.Load(proto.ToByteArray())), inputs);

        Assert.HasCount(3, expected);
        foreach (var (name, tensor) in expected)
            Assert.IsTrue(tensor.ContentEquals(actual[name]), $"output '{name}' differs after inlining");
    }

    [TestMethod]
    public void Attribute_references_take_caller_values_then_defaults()
    {
        var model = OnnxModelIO.Load(BuildModel().ToByteArray());

        // Outer passes its alpha on to Inner: call1 sets 0.1, call2 leaves Outer's default 0.2, the direct Inner call
        // leaves Inner's default 0.5.
        var alphas = model.Graph.Nodes.Where(n => n.OpType == "LeakyRelu").Select(n => n.GetFloat("alpha", float.NaN)).ToList();
        CollectionAssert.AreEqual(new[] { 0.1f, 0.2f, 0.5f }, alphas);
    }

    [TestMethod]
    public void Function_opset_imports_are_merged_into_the_model()
    {
        var proto = BuildModel();
        proto.Functions[0].OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example.extra", Version = 3 });

        var model = OnnxModelIO.Load(proto.ToByteArray());

        Assert.AreEqual(3L, model.Opset("com.example.extra"));
    }

    [TestMethod]
    public void Recursive_function_is_reported()
    {
        var proto = BuildModel();
        var inner = proto.Functions.Single(f => f.Name == "Inner");
        inner.Node.Add(Node("Inner", ["Y"], ["Z"], "again", Custom));
        inner.Output[0] = "Z";

        var e = Assert.ThrowsExactly<ModelFormatException>(() => OnnxModelIO.Load(proto.ToByteArray()));
        Assert.Contains("'Inner' calls itself", e.Message);
    }

    /// <summary>
    /// main: c1, d1 = Outer(x, y; alpha=0.1); c2 = Outer(c1, y) (second output omitted); i = Inner(x);
    /// outputs c2, d1, i. Outer(A, B) = (Inner(A*B; alpha) + d, d) with d = -(A*B), so its second output is also
    /// read inside the body. Inner(X) = LeakyRelu(X; alpha).
    /// </summary>
    private static ModelProto BuildModel()
    {
        var inner = new FunctionProto { Name = "Inner", Domain = Custom };
        inner.Input.Add("X");
        inner.Output.Add("Y");
        inner.Attribute.Add("alpha");
        inner.AttributeProto.Add(new AttributeProto { Name = "alpha", Type = AttributeType.Float, F = 0.5f });
        inner.Node.Add(Node("LeakyRelu", ["X"], ["Y"], "", "", RefFloat("alpha", "alpha")));
        inner.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });

        var outer = new FunctionProto { Name = "Outer", Domain = Custom };
        outer.Input.AddRange(["A", "B"]);
        outer.Output.AddRange(["C", "D"]);
        outer.AttributeProto.Add(new AttributeProto { Name = "alpha", Type = AttributeType.Float, F = 0.2f });
        outer.Node.Add(Node("Mul", ["A", "B"], ["t"], "scale"));
        outer.Node.Add(Node("Inner", ["t"], ["u"], "act", Custom, RefFloat("alpha", "alpha")));
        outer.Node.Add(Node("Neg", ["t"], ["D"]));
        outer.Node.Add(Node("Add", ["u", "D"], ["C"]));
        outer.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        outer.OpsetImport.Add(new OperatorSetIdProto { Domain = Custom, Version = 1 });

        var graph = new GraphProto { Name = "main" };
        graph.Input.Add(ValueInfo("x"));
        graph.Input.Add(ValueInfo("y"));
        // A value whose name the inliner would pick for call1's intermediate "t" if it did not check.
        graph.Node.Add(Node("Identity", ["x"], ["call1/t"], "taken"));
        graph.Node.Add(Node("Outer", ["call1/t", "y"], ["c1", "d1"], "call1", Custom,
            new AttributeProto { Name = "alpha", Type = AttributeType.Float, F = 0.1f }));
        graph.Node.Add(Node("Outer", ["c1", "y"], ["c2", ""], "call2", Custom));
        graph.Node.Add(Node("Inner", ["x"], ["i"], "call3", Custom));
        graph.Output.Add(ValueInfo("c2"));
        graph.Output.Add(ValueInfo("d1"));
        graph.Output.Add(ValueInfo("i"));

        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = Custom, Version = 1 });
        model.Functions.Add(inner);
        model.Functions.Add(outer);
        return model;
    }

    private static AttributeProto RefFloat(string name, string refName) =>
        new() { Name = name, Type = AttributeType.Float, RefAttrName = refName };

    private static NodeProto Node(string op, string[] inputs, string[] outputs, string name = "", string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op };
        if (name.Length > 0) node.Name = name;
        if (domain.Length > 0) node.Domain = domain;
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static ValueInfoProto ValueInfo(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 2 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 3 });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
        };
    }
}

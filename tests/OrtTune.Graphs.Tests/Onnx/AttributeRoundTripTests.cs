using System.Runtime.InteropServices;
using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Onnx.Proto;
using AttributeType = OrtTune.Graphs.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace OrtTune.Graphs.Tests.Onnx;

/// <summary>
/// Attributes of every kind come back from proto → IR → proto as equal messages, and tensors stored in the typed
/// fields (float_data, int32_data, ...) decode to the raw little-endian bytes ONNX defines for them.
/// </summary>
[TestClass]
public sealed class AttributeRoundTripTests
{
    private static readonly byte[] NotUtf8 = [0xFF, 0xFE, 0x00, 0x80, 0xC3];

    public static IEnumerable<object[]> AllKinds() => EveryAttribute().Select(a => new object[] { a.Name });

    [TestMethod]
    [DynamicData(nameof(AllKinds))]
    public void Attribute_survives_proto_to_IR_to_proto(string name)
    {
        var original = EveryAttribute().Single(a => a.Name == name);

        var written = RoundTrip(ModelWith(original)).Graph.Node.Single(n => n.OpType == "Everything");

        Assert.AreEqual(original, written.Attribute.Single(a => a.Name == name));
    }

    [TestMethod]
    public void Every_attribute_kind_is_covered_once()
    {
        var kinds = EveryAttribute().Select(a => a.Type).ToList();
        var expected = Enum.GetValues<AttributeType>().Where(t => t != AttributeType.Undefined).ToList();
        CollectionAssert.AreEquivalent(expected, kinds);
    }

    [TestMethod]
    public void Attribute_order_and_count_survive()
    {
        var written = RoundTrip(ModelWith(EveryAttribute())).Graph.Node.Single(n => n.OpType == "Everything");

        CollectionAssert.AreEqual(EveryAttribute().Select(a => a.Name).ToList(), written.Attribute.Select(a => a.Name).ToList());
    }

    [TestMethod]
    public void Non_utf8_string_attribute_keeps_its_bytes_in_the_IR()
    {
        var model = OnnxModelIO.Load(ModelWith(EveryAttribute()).ToByteArray());

        var node = model.Graph.Nodes.Single(n => n.OpType == "Everything");
        CollectionAssert.AreEqual(NotUtf8, node.Attr("s")!.AsBytes());
    }

    public static IEnumerable<object[]> TypedFieldCases()
    {
        yield return Case("float_data", DataType.Float, t => t.FloatData.AddRange([1.5f, -2f, float.NegativeInfinity]),
            Bytes<float>(1.5f, -2f, float.NegativeInfinity));
        yield return Case("int32_data/int8", DataType.Int8, t => t.Int32Data.AddRange([-1, 127, -128]), [0xFF, 0x7F, 0x80]);
        yield return Case("int32_data/float16", DataType.Float16,
            t => t.Int32Data.AddRange(new[] { (Half)1.5, (Half)(-0.25), Half.MaxValue }.Select(h => (int)BitConverter.HalfToUInt16Bits(h))),
            Bytes<Half>((Half)1.5, (Half)(-0.25), Half.MaxValue));
        yield return Case("int32_data/bool", DataType.Bool, t => t.Int32Data.AddRange([1, 0, 1]), [1, 0, 1]);
        yield return Case("int32_data/int32", DataType.Int32, t => t.Int32Data.AddRange([int.MinValue, 7, -3]),
            Bytes<int>(int.MinValue, 7, -3));
        yield return Case("int64_data", DataType.Int64, t => t.Int64Data.AddRange([long.MinValue, 42, -1]),
            Bytes<long>(long.MinValue, 42, -1));
        yield return Case("double_data", DataType.Double, t => t.DoubleData.AddRange([Math.PI, -0.0, 1e300]),
            Bytes<double>(Math.PI, -0.0, 1e300));
        yield return Case("uint64_data/uint32", DataType.UInt32, t => t.Uint64Data.AddRange([uint.MaxValue, 7, 0x80000000]),
            Bytes<uint>(uint.MaxValue, 7, 0x80000000));
        yield return Case("uint64_data/uint64", DataType.UInt64, t => t.Uint64Data.AddRange([ulong.MaxValue, 1, 0]),
            Bytes<ulong>(ulong.MaxValue, 1, 0));
    }

    [TestMethod]
    [DynamicData(nameof(TypedFieldCases))]
    public void Typed_field_tensor_decodes_to_raw_bytes(string label, byte[] tensorProto, byte[] expected)
    {
        var tensor = TensorProto.Parser.ParseFrom(tensorProto);
        var model = OnnxModelIO.Load(ModelWithInitializer(tensor).ToByteArray());

        var loaded = model.Graph.FindInitializer("w")!.Initializer!;
        CollectionAssert.AreEqual(expected, loaded.RawBytes, label);
        // Written back it is raw_data with the same bytes.
        var written = RoundTrip(ModelWithInitializer(tensor)).Graph.Initializer.Single();
        CollectionAssert.AreEqual(expected, written.RawData.ToByteArray(), label);
    }

    [TestMethod]
    public void Typed_field_with_wrong_count_is_reported()
    {
        var tensor = new TensorProto { Name = "w", DataType = (int)DataType.Float };
        tensor.Dims.Add(4);
        tensor.FloatData.AddRange([1f, 2f, 3f]);
        var model = OnnxModelIO.Load(ModelWithInitializer(tensor).ToByteArray());

        var e = Assert.ThrowsExactly<OrtTune.Graphs.Diagnostics.ModelFormatException>(() => model.Graph.FindInitializer("w")!.Initializer!.RawBytes);
        Assert.Contains("'w' holds 3 values but its shape needs 4", e.Message);
    }

    [TestMethod]
    public void String_initializer_round_trips()
    {
        var tensor = new TensorProto { Name = "w", DataType = (int)DataType.String };
        tensor.Dims.AddRange([2, 2]);
        tensor.StringData.AddRange([ByteString.CopyFromUtf8("héllo"), ByteString.Empty, ByteString.CopyFrom(NotUtf8), ByteString.CopyFromUtf8("x")]);

        var model = OnnxModelIO.Load(ModelWithInitializer(tensor).ToByteArray());
        var strings = model.Graph.FindInitializer("w")!.Initializer!.Strings;
        CollectionAssert.AreEqual(NotUtf8, strings[2]);

        Assert.AreEqual(tensor, RoundTrip(ModelWithInitializer(tensor)).Graph.Initializer.Single());
    }

    private static object[] Case(string label, DataType type, Action<TensorProto> fill, byte[] expected)
    {
        var tensor = new TensorProto { Name = "w", DataType = (int)type };
        tensor.Dims.Add(3);
        fill(tensor);
        return [label, tensor.ToByteArray(), expected];
    }

    private static byte[] Bytes<T>(params T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static ModelProto RoundTrip(ModelProto proto) =>
        ModelProto.Parser.ParseFrom(OnnxModelIO.ToBytes(OnnxModelIO.Load(proto.ToByteArray())));

    /// <summary>One attribute of each kind, with awkward values (non-UTF-8 bytes, NaN, -0, extreme integers).</summary>
    private static List<AttributeProto> EveryAttribute()
    {
        var floats = new AttributeProto { Name = "floats", Type = AttributeType.Floats };
        floats.Floats.AddRange([1f, float.NaN, float.PositiveInfinity, -0f]);
        var ints = new AttributeProto { Name = "ints", Type = AttributeType.Ints };
        ints.Ints.AddRange([long.MinValue, -1, 0, long.MaxValue]);
        var strings = new AttributeProto { Name = "strings", Type = AttributeType.Strings };
        strings.Strings.AddRange([ByteString.CopyFromUtf8("a"), ByteString.Empty, ByteString.CopyFrom(NotUtf8)]);
        var tensors = new AttributeProto { Name = "tensors", Type = AttributeType.Tensors };
        tensors.Tensors.AddRange([RawTensor(DataType.Int64, [2], Bytes<long>(3, -4)), StringTensor(), RawTensor(DataType.Float16, [], Bytes((Half)2))]);
        var graphs = new AttributeProto { Name = "graphs", Type = AttributeType.Graphs };
        graphs.Graphs.AddRange([SmallGraph("g1"), SmallGraph("g2")]);
        var sparse = new SparseTensorProto
        {
            Values = RawTensor(DataType.Float, [3], Bytes(1f, 2f, 3f)),
            Indices = RawTensor(DataType.Int64, [3], Bytes<long>(0, 4, 9)),
        };
        sparse.Dims.Add(10);
        var sparseList = new AttributeProto { Name = "sparse_tensors", Type = AttributeType.SparseTensors };
        sparseList.SparseTensors.Add(sparse.Clone());
        var typeProtos = new AttributeProto { Name = "type_protos", Type = AttributeType.TypeProtos };
        typeProtos.TypeProtos.AddRange(
        [
            new TypeProto { SequenceType = new TypeProto.Types.Sequence { ElemType = TensorTypeProto(DataType.Int64, "n") } },
            new TypeProto { MapType = new TypeProto.Types.Map { KeyType = (int)DataType.String, ValueType = TensorTypeProto(DataType.Float) } },
            new TypeProto { OptionalType = new TypeProto.Types.Optional { ElemType = TensorTypeProto(DataType.Bool) } },
            new TypeProto { SparseTensorType = new TypeProto.Types.SparseTensor { ElemType = (int)DataType.Float, Shape = Shape(10) } },
        ]);

        return
        [
            new AttributeProto { Name = "f", Type = AttributeType.Float, F = -0f, DocString = "negative zero" },
            new AttributeProto { Name = "i", Type = AttributeType.Int, I = long.MinValue },
            new AttributeProto { Name = "s", Type = AttributeType.String, S = ByteString.CopyFrom(NotUtf8) },
            new AttributeProto { Name = "t", Type = AttributeType.Tensor, T = RawTensor(DataType.Float, [2, 2], Bytes(1f, -2f, float.NaN, 4f)) },
            new AttributeProto { Name = "g", Type = AttributeType.Graph, G = SmallGraph("g0") },
            floats,
            ints,
            strings,
            tensors,
            graphs,
            new AttributeProto { Name = "sparse_tensor", Type = AttributeType.SparseTensor, SparseTensor = sparse },
            sparseList,
            new AttributeProto { Name = "tp", Type = AttributeType.TypeProto, Tp = TensorTypeProto(DataType.Float, "batch", 3, null) },
            typeProtos,
        ];
    }

    private static TensorProto RawTensor(DataType type, long[] dims, byte[] raw)
    {
        var t = new TensorProto { DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static TensorProto StringTensor()
    {
        var t = new TensorProto { DataType = (int)DataType.String };
        t.Dims.Add(2);
        t.StringData.AddRange([ByteString.CopyFromUtf8("ok"), ByteString.CopyFrom(NotUtf8)]);
        return t;
    }

    /// <summary>A float tensor type; each dim is a size (long), a symbol (string) or unknown (null).</summary>
    private static TypeProto TensorTypeProto(DataType type, params object?[] dims) =>
        new() { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = Shape(dims) } };

    private static TensorShapeProto Shape(params object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                int v => new TensorShapeProto.Types.Dimension { DimValue = v },
                string s => new TensorShapeProto.Types.Dimension { DimParam = s },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        return shape;
    }

    /// <summary>A self-contained graph with an initializer: out = Add(in, bias).</summary>
    private static GraphProto SmallGraph(string prefix)
    {
        var g = new GraphProto { Name = prefix };
        g.Input.Add(new ValueInfoProto { Name = prefix + "_in", Type = TensorTypeProto(DataType.Float, 2) });
        g.Output.Add(new ValueInfoProto { Name = prefix + "_out", Type = TensorTypeProto(DataType.Float, 2) });
        var bias = RawTensor(DataType.Float, [2], Bytes(0.5f, -0.5f));
        bias.Name = prefix + "_bias";
        g.Initializer.Add(bias);
        var node = new NodeProto { OpType = "Add", Name = prefix + "_add" };
        node.Input.AddRange([prefix + "_in", prefix + "_bias"]);
        node.Output.Add(prefix + "_out");
        g.Node.Add(node);
        return g;
    }

    private static ModelProto ModelWith(params IEnumerable<AttributeProto> attributes)
    {
        var graph = new GraphProto { Name = "main" };
        graph.Input.Add(new ValueInfoProto { Name = "x", Type = TensorTypeProto(DataType.Float, 2) });
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = TensorTypeProto(DataType.Float, 2) });
        var node = new NodeProto { OpType = "Everything", Domain = "test.attributes", Name = "everything" };
        node.Input.Add("x");
        node.Output.Add("y");
        node.Attribute.AddRange(attributes.Select(a => a.Clone()));
        graph.Node.Add(node);
        return Model(graph);
    }

    private static ModelProto ModelWithInitializer(TensorProto tensor)
    {
        var graph = new GraphProto { Name = "main" };
        graph.Initializer.Add(tensor.Clone());
        graph.Output.Add(new ValueInfoProto { Name = "y", Type = TensorTypeProto((DataType)tensor.DataType, 3) });
        var node = new NodeProto { OpType = "Identity", Name = "id" };
        node.Input.Add("w");
        node.Output.Add("y");
        graph.Node.Add(node);
        return Model(graph);
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "test.attributes", Version = 1 });
        return model;
    }
}

using Google.Protobuf;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;
using IrAttribute = OrtTune.Graphs.IR.Attribute;
using IrValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Onnx;

/// <summary>
/// Turns a parsed ModelProto into the IR. Initializer bytes stay where they are (protobuf buffer or external file)
/// until somebody reads them. Model-local functions are inlined first, so the IR only ever holds primitive ops.
/// </summary>
internal sealed class ModelReader
{
    private readonly string _baseDirectory;
    private readonly string _source;

    private ModelReader(string baseDirectory, string source)
    {
        _baseDirectory = baseDirectory;
        _source = source;
    }

    public static Model Read(ModelProto proto, string baseDirectory, string source)
    {
        if (!proto.HasIrVersion || proto.Graph is null)
            throw new ModelFormatException($"'{source}' is not an ONNX model: it has no {(proto.Graph is null ? "graph" : "IR version")}.");
        if (proto.Functions.Count > 0) FunctionInliner.InlineAll(proto);
        var reader = new ModelReader(baseDirectory, source);
        var model = new Model(reader.ReadGraph(proto.Graph, null))
        {
            IrVersion = proto.IrVersion,
            ProducerName = proto.ProducerName,
            ProducerVersion = proto.ProducerVersion,
            Domain = proto.Domain,
            ModelVersion = proto.ModelVersion,
            DocString = proto.HasDocString ? proto.DocString : null,
        };
        foreach (var opset in proto.OpsetImport)
            model.OpsetImports[Node.NormalizeDomain(opset.Domain)] = opset.Version;
        // IR version 3 files may omit the default-domain import; ONNX then means opset 1.
        if (!model.OpsetImports.ContainsKey("") && proto.OpsetImport.Count == 0) model.OpsetImports[""] = 1;
        model.Metadata.AddRange(proto.MetadataProps.Select(e => KeyValuePair.Create(e.Key, e.Value)));
        model.OpaqueTrainingInfo.AddRange(proto.TrainingInfo.Select(t => t.ToByteArray()));
        return model;
    }

    /// <summary>Name lookup chained to the enclosing graph's scope, so subgraph nodes resolve outer values.</summary>
    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        public void Define(Value v) => _values[v.Name] = v;
        public Value? Find(string name) => _values.TryGetValue(name, out var v) ? v : parent?.Find(name);
    }

    private Graph ReadGraph(GraphProto gp, Scope? outer)
    {
        var graph = new Graph(gp.Name) { DocString = gp.HasDocString ? gp.DocString : null };
        graph.Metadata.AddRange(gp.MetadataProps.Select(e => KeyValuePair.Create(e.Key, e.Value)));
        graph.OpaqueSparseInitializers.AddRange(gp.SparseInitializer.Select(s => s.ToByteArray()));
        graph.OpaqueQuantizationAnnotations.AddRange(gp.QuantizationAnnotation.Select(a => a.ToByteArray()));
        var scope = new Scope(outer);

        foreach (var tp in gp.Initializer)
        {
            if (!tp.HasName || tp.Name.Length == 0) throw Format($"graph '{gp.Name}' has an initializer without a name");
            var value = graph.AddInitializer(tp.Name, ReadTensor(tp));
            scope.Define(value);
        }
        foreach (var vi in gp.Input)
        {
            // Before IR version 4, initializers were also listed as inputs: the input is then the initializer itself.
            var value = graph.FindInitializer(vi.Name) ?? new Value(vi.Name);
            ApplyValueInfo(value, vi);
            graph.AddInput(value);
            scope.Define(value);
        }

        // Outputs of all nodes first, so that reading them does not depend on the file's node order.
        var pending = new List<(Node node, NodeProto proto)>(gp.Node.Count);
        foreach (var np in gp.Node)
        {
            var node = new Node(np.Domain, np.OpType, [], np.Output, null, np.HasName ? np.Name : "")
            {
                Overload = np.Overload,
                DocString = np.HasDocString ? np.DocString : null,
            };
            node.Metadata.AddRange(np.MetadataProps.Select(e => KeyValuePair.Create(e.Key, e.Value)));
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                if (scope.Find(output.Name) is { } clash && clash.Graph == graph)
                    throw Format($"value '{output.Name}' is defined twice in graph '{gp.Name}' (second time by node '{node.Name}')");
                scope.Define(output);
            }
            graph.Append(node);
            pending.Add((node, np));
        }
        foreach (var (node, np) in pending)
        {
            foreach (var name in np.Input)
            {
                if (name.Length == 0) { node.AppendInput(null); continue; }
                var value = scope.Find(name)
                    ?? throw Format($"node '{node.Name}' ({np.OpType}) reads '{name}', which no node, input or initializer defines");
                node.AppendInput(value);
            }
            foreach (var ap in np.Attribute)
                node.SetAttr(ReadAttribute(ap, scope));
            foreach (var sub in node.Subgraphs)
            {
                sub.Parent = graph;
                sub.OwnerNode = node;
            }
        }

        foreach (var vi in gp.ValueInfo)
            if (scope.Find(vi.Name) is { } v && v.Graph == graph) ApplyValueInfo(v, vi);
        foreach (var vi in gp.Output)
        {
            var value = scope.Find(vi.Name) ?? throw Format($"graph output '{vi.Name}' is not defined in graph '{gp.Name}'");
            ApplyValueInfo(value, vi);
            graph.Outputs.Add(value);
        }
        return graph;
    }

    private static void ApplyValueInfo(Value value, ValueInfoProto vi)
    {
        if (vi.Type is not null) value.Type = ReadType(vi.Type) ?? value.Type;
        if (vi.HasDocString) value.DocString = vi.DocString;
        foreach (var e in vi.MetadataProps) value.Metadata.Add(KeyValuePair.Create(e.Key, e.Value));
    }

    internal static IrValueType? ReadType(TypeProto tp) => tp.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => new TensorType((DataType)tp.TensorType.ElemType, ReadShape(tp.TensorType.Shape)),
        TypeProto.ValueOneofCase.SparseTensorType => new SparseTensorType((DataType)tp.SparseTensorType.ElemType, ReadShape(tp.SparseTensorType.Shape)),
        TypeProto.ValueOneofCase.SequenceType => new SequenceType(tp.SequenceType.ElemType is null ? null : ReadType(tp.SequenceType.ElemType)),
        TypeProto.ValueOneofCase.OptionalType => new OptionalType(tp.OptionalType.ElemType is null ? null : ReadType(tp.OptionalType.ElemType)),
        TypeProto.ValueOneofCase.MapType => new MapType((DataType)tp.MapType.KeyType, tp.MapType.ValueType is null ? null : ReadType(tp.MapType.ValueType)),
        _ => null,
    };

    private static Shape? ReadShape(TensorShapeProto? sp) => sp is null
        ? null
        : new Shape(sp.Dim.Select(d => d.ValueCase switch
        {
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => Dim.Known(d.DimValue),
            TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam when d.DimParam.Length > 0 => Dim.Named(d.DimParam),
            _ => Dim.Unknown,
        }));

    private IrAttribute ReadAttribute(AttributeProto ap, Scope scope)
    {
        var kind = (AttributeKind)ap.Type;
        if (kind == AttributeKind.Undefined) kind = GuessKind(ap);
        object value = kind switch
        {
            AttributeKind.Float => ap.F,
            AttributeKind.Int => ap.I,
            AttributeKind.String => ap.S.ToByteArray(),
            AttributeKind.Tensor => ReadTensor(ap.T ?? throw Format($"tensor attribute '{ap.Name}' has no tensor")),
            AttributeKind.Graph => ReadGraph(ap.G ?? throw Format($"graph attribute '{ap.Name}' has no graph"), scope),
            AttributeKind.SparseTensor => ReadSparse(ap.SparseTensor),
            AttributeKind.TypeProto => ReadType(ap.Tp) ?? throw Format($"type attribute '{ap.Name}' has no type"),
            AttributeKind.Floats => ap.Floats.ToArray(),
            AttributeKind.Ints => ap.Ints.ToArray(),
            AttributeKind.Strings => ap.Strings.Select(s => s.ToByteArray()).ToArray(),
            AttributeKind.Tensors => ap.Tensors.Select(ReadTensor).ToArray(),
            AttributeKind.Graphs => ap.Graphs.Select(g => ReadGraph(g, scope)).ToArray(),
            AttributeKind.SparseTensors => ap.SparseTensors.Select(ReadSparse).ToArray(),
            AttributeKind.TypeProtos => ap.TypeProtos.Select(t => ReadType(t)!).ToArray(),
            _ => throw Format($"attribute '{ap.Name}' has unknown type {(int)ap.Type}"),
        };
        return new IrAttribute(ap.Name, kind, value)
        {
            DocString = ap.HasDocString ? ap.DocString : null,
            RefAttrName = ap.HasRefAttrName ? ap.RefAttrName : null,
        };
    }

    /// <summary>Very old files leave the attribute type unset; the filled field tells it.</summary>
    private static AttributeKind GuessKind(AttributeProto ap) =>
        ap.HasF ? AttributeKind.Float : ap.HasI ? AttributeKind.Int : ap.HasS ? AttributeKind.String
        : ap.T is not null ? AttributeKind.Tensor : ap.G is not null ? AttributeKind.Graph
        : ap.Floats.Count > 0 ? AttributeKind.Floats : ap.Ints.Count > 0 ? AttributeKind.Ints
        : ap.Strings.Count > 0 ? AttributeKind.Strings : ap.Tensors.Count > 0 ? AttributeKind.Tensors
        : ap.Graphs.Count > 0 ? AttributeKind.Graphs
        : throw new ModelFormatException($"attribute '{ap.Name}' has neither a type nor a value");

    private SparseTensor ReadSparse(SparseTensorProto sp) =>
        new(ReadTensor(sp.Values), ReadTensor(sp.Indices), sp.Dims.ToArray());

    internal Tensor ReadTensor(TensorProto tp)
    {
        var type = (DataType)tp.DataType;
        var dims = tp.Dims.ToArray();
        string name = tp.HasName ? tp.Name : "(unnamed)";
        if (dims.Any(d => d < 0)) throw Format($"tensor '{name}' has a negative dimension [{string.Join(",", dims)}]");
        if (tp.Segment is not null) throw Format($"tensor '{name}' is segmented; segmented tensors are not supported");
        if (type == DataType.Undefined || !Enum.IsDefined(type)) throw Format($"tensor '{name}' has unknown data type {tp.DataType}");

        Tensor tensor;
        if (type == DataType.String)
        {
            if (tp.DataLocation == TensorProto.Types.DataLocation.External)
                throw Format($"string tensor '{name}' uses external data, which ONNX does not allow for strings");
            tensor = Tensor.FromStrings(dims, tp.StringData.Select(s => s.ToByteArray()));
        }
        else
        {
            long count = dims.Aggregate(1L, (a, b) => a * b);
            long byteLength = type.ByteCount(count);
            TensorStorage storage;
            if (tp.DataLocation == TensorProto.Types.DataLocation.External)
                storage = ReadExternal(tp, name, byteLength);
            else if (tp.HasRawData)
            {
                var raw = tp.RawData;
                if (raw.Length != byteLength)
                    throw Format($"tensor '{name}' ({type.OnnxName()}[{string.Join(",", dims)}]) needs {byteLength} bytes but holds {raw.Length}");
                storage = new DeferredStorage(byteLength, raw.ToByteArray);
            }
            else
                storage = new DeferredStorage(byteLength, () => TypedFieldDecoder.Decode(tp, type, count, name));
            tensor = new Tensor(type, dims, storage);
        }
        if (tp.HasDocString) tensor.DocString = tp.DocString;
        tensor.Metadata.AddRange(tp.MetadataProps.Select(e => KeyValuePair.Create(e.Key, e.Value)));
        return tensor;
    }

    private ExternalStorage ReadExternal(TensorProto tp, string name, long byteLength)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tp.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseLong(entry.Value, name, "offset"); break;
                case "length": length = ParseLong(entry.Value, name, "length"); break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw Format($"tensor '{name}' is marked external but names no location");
        if (Path.IsPathRooted(location))
            throw Format($"tensor '{name}' names an absolute external-data path '{location}'; ONNX requires a path relative to the model");
        string path = Path.GetFullPath(Path.Combine(_baseDirectory, location));
        if (!File.Exists(path))
            throw Format($"tensor '{name}' keeps its data in '{location}', but that file does not exist (looked for {path})");
        long size = new FileInfo(path).Length;
        long len = length ?? byteLength;
        if (len != byteLength)
            throw Format($"tensor '{name}' declares {len} bytes of external data but its type and shape need {byteLength}");
        if (offset < 0 || offset + len > size)
            throw Format($"external-data file '{location}' is truncated: tensor '{name}' needs bytes {offset}..{offset + len} but the file has {size}");
        return new ExternalStorage(path, offset, len);
    }

    private long ParseLong(string text, string tensor, string key) =>
        long.TryParse(text, out var v) ? v : throw Format($"tensor '{tensor}' has a non-numeric external-data {key} '{text}'");

    private ModelFormatException Format(string message) => new($"{_source}: {message}.");
}

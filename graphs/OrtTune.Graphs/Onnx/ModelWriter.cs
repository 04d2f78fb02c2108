using Google.Protobuf;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;
using IrAttribute = OrtTune.Graphs.IR.Attribute;
using IrValueType = OrtTune.Graphs.IR.ValueType;

namespace OrtTune.Graphs.Onnx;

/// <summary>
/// Turns the IR back into a ModelProto. Tensors chosen by <see cref="ExternalDataSink"/> are streamed into the
/// external-data file instead of the protobuf, so weights that were never read are copied, not loaded. Tensors for
/// which <paramref name="shared"/> holds (stored in a data file beside the model that other models use too) are
/// written as references to where they are.
/// </summary>
internal sealed class ModelWriter(ExternalDataSink? external, Func<Tensor, bool>? shared = null)
{
    public ModelProto Write(Model model)
    {
        var proto = new ModelProto
        {
            IrVersion = model.IrVersion,
            ProducerName = model.ProducerName,
            ProducerVersion = model.ProducerVersion,
            Domain = model.Domain,
            ModelVersion = model.ModelVersion,
            Graph = WriteGraph(model.Graph),
        };
        if (model.DocString is not null) proto.DocString = model.DocString;
        foreach (var (domain, version) in model.OpsetImports)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        proto.MetadataProps.AddRange(Entries(model.Metadata));
        proto.TrainingInfo.AddRange(model.OpaqueTrainingInfo.Select(TrainingInfoProto.Parser.ParseFrom));
        return proto;
    }

    private GraphProto WriteGraph(Graph graph)
    {
        var gp = new GraphProto { Name = graph.Name };
        if (graph.DocString is not null) gp.DocString = graph.DocString;
        gp.MetadataProps.AddRange(Entries(graph.Metadata));
        foreach (var init in graph.Initializers) gp.Initializer.Add(WriteTensor(init.Initializer!, init.Name));
        gp.SparseInitializer.AddRange(graph.OpaqueSparseInitializers.Select(SparseTensorProto.Parser.ParseFrom));
        gp.QuantizationAnnotation.AddRange(graph.OpaqueQuantizationAnnotations.Select(TensorAnnotation.Parser.ParseFrom));
        foreach (var input in graph.Inputs) gp.Input.Add(WriteValueInfo(input));
        foreach (var output in graph.Outputs) gp.Output.Add(WriteValueInfo(output));

        var declared = new HashSet<Value>(graph.Inputs.Concat(graph.Outputs));
        foreach (var node in graph.Nodes)
        {
            gp.Node.Add(WriteNode(node));
            foreach (var output in node.Outputs)
                if (output is { Type: not null } && !declared.Contains(output)) gp.ValueInfo.Add(WriteValueInfo(output));
        }
        return gp;
    }

    private NodeProto WriteNode(Node node)
    {
        var np = new NodeProto { OpType = node.OpType, Name = node.Name };
        if (node.Domain.Length > 0) np.Domain = node.Domain;
        if (node.Overload.Length > 0) np.Overload = node.Overload;
        if (node.DocString is not null) np.DocString = node.DocString;
        np.Input.AddRange(node.Inputs.Select(v => v?.Name ?? ""));
        // Trailing omitted inputs can simply be left out.
        while (np.Input.Count > 0 && np.Input[^1].Length == 0) np.Input.RemoveAt(np.Input.Count - 1);
        np.Output.AddRange(node.Outputs.Select(v => v?.Name ?? ""));
        np.Attribute.AddRange(node.Attributes.Values.Select(WriteAttribute));
        np.MetadataProps.AddRange(Entries(node.Metadata));
        return np;
    }

    private AttributeProto WriteAttribute(IrAttribute a)
    {
        var ap = new AttributeProto { Name = a.Name, Type = (AttributeProto.Types.AttributeType)a.Kind };
        if (a.DocString is not null) ap.DocString = a.DocString;
        if (a.RefAttrName is not null) ap.RefAttrName = a.RefAttrName;
        switch (a.Kind)
        {
            case AttributeKind.Float: ap.F = (float)a.Value; break;
            case AttributeKind.Int: ap.I = (long)a.Value; break;
            case AttributeKind.String: ap.S = ByteString.CopyFrom((byte[])a.Value); break;
            case AttributeKind.Tensor: ap.T = WriteTensor((Tensor)a.Value, null); break;
            case AttributeKind.Graph: ap.G = WriteGraph((Graph)a.Value); break;
            case AttributeKind.SparseTensor: ap.SparseTensor = WriteSparse((SparseTensor)a.Value); break;
            case AttributeKind.TypeProto: ap.Tp = WriteType((IrValueType)a.Value); break;
            case AttributeKind.Floats: ap.Floats.AddRange((float[])a.Value); break;
            case AttributeKind.Ints: ap.Ints.AddRange((long[])a.Value); break;
            case AttributeKind.Strings: ap.Strings.AddRange(((byte[][])a.Value).Select(ByteString.CopyFrom)); break;
            case AttributeKind.Tensors: ap.Tensors.AddRange(((Tensor[])a.Value).Select(t => WriteTensor(t, null))); break;
            case AttributeKind.Graphs: ap.Graphs.AddRange(((Graph[])a.Value).Select(WriteGraph)); break;
            case AttributeKind.SparseTensors: ap.SparseTensors.AddRange(((SparseTensor[])a.Value).Select(WriteSparse)); break;
            case AttributeKind.TypeProtos: ap.TypeProtos.AddRange(((IrValueType[])a.Value).Select(WriteType)); break;
        }
        return ap;
    }

    private SparseTensorProto WriteSparse(SparseTensor s)
    {
        var sp = new SparseTensorProto { Values = WriteTensor(s.Values, null), Indices = WriteTensor(s.Indices, null) };
        sp.Dims.AddRange(s.Dims);
        return sp;
    }

    /// <summary>Writes a tensor; initializers (<paramref name="name"/> set) may go to the external-data file.</summary>
    internal TensorProto WriteTensor(Tensor t, string? name)
    {
        var tp = new TensorProto { DataType = (int)t.DataType };
        if (name is not null) tp.Name = name;
        tp.Dims.AddRange(t.Dims);
        if (t.DocString is not null) tp.DocString = t.DocString;
        tp.MetadataProps.AddRange(Entries(t.Metadata));
        if (t.DataType == DataType.String)
            tp.StringData.AddRange(t.Strings.Select(ByteString.CopyFrom));
        else if (name is not null && shared is not null && shared(t) && t.Storage is ExternalStorage at)
            Reference(tp, Path.GetFileName(at.Path), at.Offset, at.Length);
        else if (name is not null && external is not null && external.ShouldExternalize(t))
        {
            var (location, offset, length) = external.Append(t);
            Reference(tp, location, offset, length);
        }
        else
        {
            var bytes = t.RawBytes;
            // The save will replace the data file this tensor reads from, and only tensors written there are
            // re-pointed: keep the bytes it has now, or it would later read someone else's bytes from the new file.
            if (external is not null && t.Storage is ExternalStorage s && s.Path == external.FinalPath)
                t.Storage = new InMemoryStorage(bytes);
            tp.RawData = UnsafeByteOperations.UnsafeWrap(bytes);
        }
        return tp;
    }

    private static void Reference(TensorProto tp, string location, long offset, long length)
    {
        tp.DataLocation = TensorProto.Types.DataLocation.External;
        tp.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tp.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tp.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    private static ValueInfoProto WriteValueInfo(Value v)
    {
        var vi = new ValueInfoProto { Name = v.Name };
        if (v.Type is not null) vi.Type = WriteType(v.Type);
        if (v.DocString is not null) vi.DocString = v.DocString;
        vi.MetadataProps.AddRange(Entries(v.Metadata));
        return vi;
    }

    internal static TypeProto WriteType(IrValueType type)
    {
        var tp = new TypeProto();
        switch (type)
        {
            case TensorType t:
                tp.TensorType = new TypeProto.Types.Tensor { ElemType = (int)t.ElemType };
                if (t.Shape is not null) tp.TensorType.Shape = WriteShape(t.Shape);
                break;
            case SparseTensorType s:
                tp.SparseTensorType = new TypeProto.Types.SparseTensor { ElemType = (int)s.ElemType };
                if (s.Shape is not null) tp.SparseTensorType.Shape = WriteShape(s.Shape);
                break;
            case SequenceType s:
                tp.SequenceType = new TypeProto.Types.Sequence();
                if (s.ElemType is not null) tp.SequenceType.ElemType = WriteType(s.ElemType);
                break;
            case OptionalType o:
                tp.OptionalType = new TypeProto.Types.Optional();
                if (o.ElemType is not null) tp.OptionalType.ElemType = WriteType(o.ElemType);
                break;
            case MapType m:
                tp.MapType = new TypeProto.Types.Map { KeyType = (int)m.KeyType };
                if (m.ValueType is not null) tp.MapType.ValueType = WriteType(m.ValueType);
                break;
        }
        return tp;
    }

    private static TensorShapeProto WriteShape(Shape shape)
    {
        var sp = new TensorShapeProto();
        foreach (var d in shape)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v) dim.DimValue = v;
            else if (d.Symbol is { } s) dim.DimParam = s;
            sp.Dim.Add(dim);
        }
        return sp;
    }

    private static IEnumerable<StringStringEntryProto> Entries(IEnumerable<KeyValuePair<string, string>> pairs) =>
        pairs.Select(p => new StringStringEntryProto { Key = p.Key, Value = p.Value });
}

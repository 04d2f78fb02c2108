using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx.Proto;
using Attribute = OrtTune.Graphs.IR.Attribute;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace OrtTune.Graphs.Tests.Evaluation;

/// <summary>
/// One-node ONNX models built straight from the protobuf classes (independent of OrtTune's model writer) and run
/// in ONNX Runtime, which serves as the reference for the constant kernels.
/// </summary>
internal static class OnnxTestModels
{
    /// <summary>
    /// A model whose graph inputs feed <paramref name="node"/>'s present inputs (named after the node's input values)
    /// and whose outputs are the node's outputs, typed <paramref name="outputTypes"/> (rank left open).
    /// </summary>
    public static byte[] OneNode(Node node, IReadOnlyList<Tensor?> inputs, IReadOnlyList<DataType> outputTypes, long opset)
    {
        var graph = new GraphProto { Name = "one_node" };
        var proto = new NodeProto { Name = node.Name, OpType = node.OpType, Domain = node.Domain };
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var value = node.Inputs[i];
            proto.Input.Add(value?.Name ?? "");
            if (value is null) continue;
            var tensor = inputs[i] ?? throw new ArgumentException($"Input {i} of the test node has no tensor.");
            graph.Input.Add(ValueInfo(value.Name, tensor.DataType, tensor.Dims));
        }
        for (int i = 0; i < node.Outputs.Count; i++)
        {
            var value = node.Outputs[i];
            proto.Output.Add(value?.Name ?? "");
            if (value is not null) graph.Output.Add(ValueInfo(value.Name, outputTypes[i], null));
        }
        foreach (var attribute in node.Attributes.Values) proto.Attribute.Add(ToProto(attribute));
        graph.Node.Add(proto);

        var model = new ModelProto { IrVersion = opset >= 21 ? 10 : 8, ProducerName = "orttune-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    /// <summary>Runs <paramref name="node"/> in ONNX Runtime on <paramref name="inputs"/>; one tensor per present output.</summary>
    public static Tensor?[] Run(Node node, IReadOnlyList<Tensor?> inputs, IReadOnlyList<DataType> outputTypes, long opset)
    {
        var bytes = OneNode(node, inputs, outputTypes, opset);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(bytes, options);
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] is not { } value) continue;
                names.Add(value.Name);
                values.Add(ToOrt(inputs[i]!));
            }
            var outputNames = node.Outputs.Where(o => o is not null).Select(o => o!.Name).ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var outputs = new Tensor?[node.Outputs.Count];
            for (int i = 0, r = 0; i < outputs.Length; i++)
                if (node.Outputs[i] is not null) outputs[i] = FromOrt(results[r++]);
            return outputs;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, IReadOnlyList<long>? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (long d in dims) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    private static AttributeProto ToProto(Attribute a)
    {
        var p = new AttributeProto { Name = a.Name, Type = (AttributeProto.Types.AttributeType)(int)a.Kind };
        switch (a.Kind)
        {
            case AttributeKind.Int: p.I = a.AsInt(); break;
            case AttributeKind.Float: p.F = a.AsFloat(); break;
            case AttributeKind.String: p.S = ByteString.CopyFrom(a.AsBytes()); break;
            case AttributeKind.Ints: p.Ints.Add(a.AsInts()); break;
            case AttributeKind.Floats: p.Floats.Add(a.AsFloats()); break;
            case AttributeKind.Strings: p.Strings.Add(((byte[][])a.Value).Select(ByteString.CopyFrom)); break;
            case AttributeKind.Tensor: p.T = ToProto(a.AsTensor()); break;
            case AttributeKind.SparseTensor:
                var sparse = (SparseTensor)a.Value;
                p.SparseTensor = new SparseTensorProto { Values = ToProto(sparse.Values), Indices = ToProto(sparse.Indices) };
                p.SparseTensor.Dims.Add(sparse.Dims);
                break;
            default: throw new NotSupportedException($"Test models cannot hold {a.Kind} attributes.");
        }
        return p;
    }

    private static TensorProto ToProto(Tensor t)
    {
        var p = new TensorProto { DataType = (int)t.DataType };
        p.Dims.Add(t.Dims);
        if (t.DataType == DataType.String) p.StringData.Add(t.Strings.Select(ByteString.CopyFrom));
        else p.RawData = ByteString.CopyFrom(t.RawBytes);
        return p;
    }

    private static OrtValue ToOrt(Tensor t)
    {
        if (t.DataType == DataType.String)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, t.Dims.ToArray());
            for (int i = 0; i < t.Strings.Count; i++) strings.StringTensorSetElementAt(t.Strings[i].AsSpan(), i);
            return strings;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)t.DataType, t.Dims.ToArray());
        t.RawBytes.AsSpan().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        if (info.IsString) return Tensor.FromStrings(info.Shape, value.GetStringTensorAsArray());
        return Tensor.FromRaw((DataType)(int)info.ElementDataType, info.Shape, value.GetTensorMutableRawData().ToArray());
    }
}

using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Tests.TestSupport;

/// <summary>Runs ONNX models in ONNX Runtime (CPU) with IR tensors in and out, for numerical before/after checks.</summary>
public static class OrtHarness
{
    public static Dictionary<string, Tensor> Run(string modelPath, IReadOnlyDictionary<string, Tensor> inputs, IEnumerable<string>? outputs = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(modelPath, options);
        return Run(session, inputs, outputs);
    }

    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs, IEnumerable<string>? outputs = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, inputs, outputs);
    }

    public static Dictionary<string, Tensor> Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> inputs, IEnumerable<string>? outputs = null)
    {
        var names = inputs.Keys.ToArray();
        var values = names.Select(n => ToOrt(inputs[n])).ToArray();
        var outputNames = (outputs ?? session.OutputMetadata.Keys).ToArray();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, outputNames);
            var map = new Dictionary<string, Tensor>();
            for (int i = 0; i < outputNames.Length; i++) map[outputNames[i]] = FromOrt(results[i]);
            return map;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public static OrtValue ToOrt(Tensor t)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)t.DataType, t.Dims.ToArray());
        t.RawBytes.AsSpan().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    public static Tensor FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var type = (DataType)(int)info.ElementDataType;
        return Tensor.FromRaw(type, info.Shape, value.GetTensorMutableRawData().ToArray());
    }

    /// <summary>The reference inputs of a fixture (inputs_NAME.npy files) by input name.</summary>
    public static Dictionary<string, Tensor> FixtureInputs(string fixtureDir) =>
        Directory.GetFiles(fixtureDir, "inputs_*.npy")
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f)["inputs_".Length..], Npy.Read);

    /// <summary>Largest absolute difference between two float tensors of the same shape.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        CollectionAssert.AreEqual(a.Dims.ToArray(), b.Dims.ToArray(), "shapes differ");
        var x = a.AsSpan<float>();
        var y = b.AsSpan<float>();
        double max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs((double)x[i] - y[i]));
        return max;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrtTune.Artifacts.Manifest;

/// <summary>One tensor a model reads or a parameter it holds: name, ONNX element type name and static shape.</summary>
public sealed record TensorSpec(string Name, string ElemType, long[] Shape);

/// <summary>The files of an artifacts directory, relative to it.</summary>
public sealed record ArtifactFiles
{
    /// <summary>Forward + loss + backward graph. Default "training_model.onnx".</summary>
    public string Training { get; init; } = "training_model.onnx";
    /// <summary>Forward + loss graph, parameters as inputs. Default "eval_model.onnx".</summary>
    public string Eval { get; init; } = "eval_model.onnx";
    /// <summary>Optimizer step graph. Default "optimizer_model.onnx".</summary>
    public string Optimizer { get; init; } = "optimizer_model.onnx";
    /// <summary>Initial trainable parameters (ORT flatbuffer checkpoint). Default "checkpoint".</summary>
    public string Checkpoint { get; init; } = "checkpoint";
}

/// <summary>Optimizer settings the optimizer graph was built with (for reports and resume checks).</summary>
public sealed record OptimizerSpec
{
    public string Kind { get; init; } = "adamw";
    public double LearningRate { get; init; } = 5e-5;
    public Dictionary<string, double> Settings { get; init; } = [];
}

/// <summary>
/// manifest.json of an artifacts directory: what the graphs expect and how they were made. Written by `orttune
/// prepare`, read by the runner, which refuses artifacts whose manifest does not match what it is given.
/// </summary>
public sealed record ArtifactManifest
{
    public const string FormatName = "orttune-artifacts";
    public const int CurrentFormatVersion = 1;
    public const string FileName = "manifest.json";

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public string CreatedBy { get; init; } = "";

    /// <summary>Runtime of directories whose graphs are standard ONNX ops that plain ONNX Runtime trains (OrtTune's portable backend).</summary>
    public const string PortableRuntime = "portable";

    /// <summary>
    /// Runtime of directories in ONNX Runtime's on-device-training format (InPlaceAccumulatorV2, AdamWOptimizer, ...),
    /// which only ONNX Runtime's training build (Microsoft.ML.OnnxRuntime.Training ≤ 1.19.2) runs.
    /// </summary>
    public const string OrtTrainingRuntime = "ort-training";

    /// <summary>
    /// Which runtime the directory needs: <see cref="PortableRuntime"/> or <see cref="OrtTrainingRuntime"/>. Default
    /// (and for manifests written before the field existed) portable.
    /// </summary>
    public string Runtime { get; init; } = PortableRuntime;

    /// <summary>
    /// Checkpoint format version the runtime needs, when it needs exactly one (ONNX Runtime 1.19 loads only version 2).
    /// Default null: OrtTune reads versions 1 and 2.
    /// </summary>
    public int? CheckpointVersion { get; init; }

    /// <summary>File name of the source model and the SHA-256 of its bytes (the .onnx file), to recognise artifacts of another model.</summary>
    public required string SourceModel { get; init; }
    public required string SourceSha256 { get; init; }

    /// <summary>Inputs the data pipeline feeds (ids, masks, labels), in graph order.</summary>
    public required List<TensorSpec> Inputs { get; init; }

    public required string LossName { get; init; }
    public required string LossKind { get; init; }
    public long IgnoreIndex { get; init; } = -100;
    public required string PredictionName { get; init; }

    public required List<TensorSpec> Trainable { get; init; }
    public required List<string> Frozen { get; init; }

    /// <summary>Gradient output of the training graph per trainable parameter.</summary>
    public required Dictionary<string, string> Gradients { get; init; }

    public ArtifactFiles Files { get; init; } = new();
    public OptimizerSpec Optimizer { get; init; } = new();
    public OptimizerBinding OptimizerBinding { get; init; } = new();

    /// <summary>Settings of the rewrites applied (LoRA, TokenTune, PEMA, ...), by method name.</summary>
    public Dictionary<string, Dictionary<string, string>> Methods { get; init; } = [];

    /// <summary>The tokenizer that turns text into the model's input ids; null when none was recorded (optional, added later: older manifests lack it).</summary>
    public TokenizerSettings? Tokenizer { get; init; }

    /// <summary>Rows of the model's input embedding: token ids must lie in [0, VocabularySize). Null when unknown.</summary>
    public long? VocabularySize { get; init; }

    /// <summary>Classification label names in class order (label i is class i); null when the labels are class indices.</summary>
    public List<string>? Labels { get; init; }

    /// <summary>Classes of a classification head (the prediction's last axis): labels lie in [0, Classes). Null when unknown or not a classifier.</summary>
    public long? Classes { get; init; }

    /// <summary>The input-embedding vocabulary map when the artifacts use PEMA; null otherwise.</summary>
    public VocabularySpec? Vocabulary { get; init; }

    /// <summary>Weights stored once for both graphs; null when each graph holds its own (older artifacts, ORT format).</summary>
    public SharedWeightsSpec? SharedWeights { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes manifest.json into <paramref name="directory"/> atomically.</summary>
    public void Save(string directory) => AtomicFile.WriteAllText(Path.Combine(directory, FileName), ToJson());

    /// <summary>
    /// Refuses a directory made for another runtime than <paramref name="runtime"/>, saying what runs it instead. Called
    /// by every backend when it opens a directory.
    /// </summary>
    public void RequireRuntime(string runtime, string directory)
    {
        if (Runtime == runtime) return;
        throw new ArtifactFormatException(Runtime switch
        {
            OrtTrainingRuntime => $"'{directory}' holds ONNX Runtime training-format artifacts (runtime '{OrtTrainingRuntime}': InPlaceAccumulatorV2/" +
                                  "AdamWOptimizer graphs for Microsoft.ML.OnnxRuntime.Training ≤ 1.19.2), which plain ONNX Runtime cannot run. Train them with " +
                                  $"`orttune train {directory} --backend ort-training` where ONNX Runtime's training library is installed, or convert them with " +
                                  $"`orttune import-ort {directory} --out NEW_DIR` and train NEW_DIR with the portable backend.",
            PortableRuntime => $"'{directory}' holds OrtTune portable artifacts (runtime '{PortableRuntime}'); ONNX Runtime's training runtime cannot " +
                               "run them. Train them with the portable backend (`orttune train` without --backend), or write ORT-format artifacts with " +
                               "`orttune prepare ... --format ort`.",
            var other => $"'{directory}' needs runtime '{other}', which this OrtTune does not know; this backend runs '{runtime}' artifacts. Update OrtTune.",
        });
    }

    /// <summary>Reads an artifacts directory's manifest, with clear errors for a missing, foreign or newer file.</summary>
    public static ArtifactManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path) && LooksLikeOrtTrainingSet(directory))
            throw new ArtifactFormatException(
                $"'{directory}' holds ONNX Runtime training artifacts (eval_model.onnx and a checkpoint) without an OrtTune manifest. Convert them with " +
                $"`orttune import-ort {directory} --out NEW_DIR` and train NEW_DIR with the portable backend (plain ONNX Runtime).");
        if (!File.Exists(path))
            throw new ArtifactFormatException($"'{directory}' is not an OrtTune artifacts directory: {FileName} is missing (run `orttune prepare` first).");
        ArtifactManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ArtifactManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ArtifactFormatException($"{path} is not a valid OrtTune manifest: {e.Message}", e);
        }
        if (manifest is null || manifest.Format != FormatName)
            throw new ArtifactFormatException($"{path} is not an OrtTune manifest (format '{manifest?.Format}').");
        if (manifest.FormatVersion > CurrentFormatVersion)
            throw new ArtifactFormatException(
                $"{path} has format version {manifest.FormatVersion}; this OrtTune reads up to {CurrentFormatVersion}. Update OrtTune.");
        return manifest;
    }

    /// <summary>True for a directory with the files of an ONNX Runtime training artifact set (as onnxblock names them).</summary>
    public static bool LooksLikeOrtTrainingSet(string directory) =>
        File.Exists(Path.Combine(directory, "eval_model.onnx")) && File.Exists(Path.Combine(directory, "checkpoint"))
        && (File.Exists(Path.Combine(directory, "training_model.onnx")) || File.Exists(Path.Combine(directory, "optimizer_model.onnx")));
}

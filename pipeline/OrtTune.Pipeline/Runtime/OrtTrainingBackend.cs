using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Runtime;

/// <summary>
/// Trains ORT-format artifacts (<c>orttune prepare --format ort</c>) in ONNX Runtime's own training runtime through
/// the C# TrainingSession/CheckpointState classes. Selected with <c>orttune train --backend ort-training</c>; the
/// default backend is the portable one (<see cref="PortableTrainingSession"/>).
/// </summary>
/// <remarks>
/// <para>Microsoft.ML.OnnxRuntime.Managed 1.31.1 compiles the training classes in (TrainingSession, CheckpointState
/// and TrainingUtils are public types of the assembly), so this backend calls them directly, with no P/Invoke or
/// reflection of its own. They work only when the native library exports the training API (OrtApi::GetTrainingApi
/// returns it): the libonnxruntime of Microsoft.ML.OnnxRuntime.Training (last release 1.19.2) does; the CPU/GPU
/// inference packages do not, and there the managed classes throw InvalidOperationException("This package does not
/// contain the training API. Please install the Microsoft.ML.OnnxRuntime.Training NuGet package."). <see cref="Open"/>
/// turns that into a <see cref="DeviceUnavailableException"/> that says what to do, before any training starts.</para>
/// <para>The learning rate is set through SetLearningRate before every optimizer step (the runtime ignores the
/// checkpoint's initial learning rate). Accumulated micro-batch gradients are summed by the runtime.</para>
/// </remarks>
public sealed class OrtTrainingBackend : IDisposable
{
    private readonly CheckpointState _state;
    private readonly TrainingSession _session;
    private readonly List<string> _trainingInputs;
    private readonly List<string> _evalInputs;

    private OrtTrainingBackend(string directory, ArtifactManifest manifest, CheckpointState state, TrainingSession session)
    {
        Directory = directory;
        Manifest = manifest;
        _state = state;
        _session = session;
        _trainingInputs = session.InputNames(training: true);
        _evalInputs = session.InputNames(training: false);
    }

    public string Directory { get; }
    public ArtifactManifest Manifest { get; }

    /// <summary>Optimizer steps taken in this session.</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Opens an ORT-format artifacts directory from its checkpoint (or <paramref name="checkpointPath"/> to resume).
    /// Checks, in this order and before creating any session: the manifest says runtime "ort-training"; the checkpoint
    /// holds exactly the manifest's parameters and is a version the runtime loads; the native training API is present.
    /// </summary>
    /// <exception cref="ArtifactFormatException">The directory or checkpoint does not fit this backend (the message says what does).</exception>
    /// <exception cref="DeviceUnavailableException">ONNX Runtime's training library is absent (the message says what to install or use instead).</exception>
    public static OrtTrainingBackend Open(string directory, string? checkpointPath = null, SessionConfig? config = null)
    {
        var manifest = ArtifactManifest.Load(directory);
        manifest.RequireRuntime(ArtifactManifest.OrtTrainingRuntime, directory);
        var path = checkpointPath ?? Path.Combine(directory, manifest.Files.Checkpoint);
        CheckParameters(manifest, CheckpointReader.Read(path), path);

        CheckpointState state;
        try
        {
            state = CheckpointState.LoadCheckpoint(path);
        }
        catch (InvalidOperationException e)
        {
            throw new DeviceUnavailableException(
                $"The ort-training backend needs ONNX Runtime's training library, and the ONNX Runtime loaded here ({OrtEnv.Instance().GetVersionString()}, " +
                "from the Microsoft.ML.OnnxRuntime package) has none: its native library exports no training API. Use the Microsoft.ML.OnnxRuntime.Training " +
                "package (≤ 1.19.2) instead of Microsoft.ML.OnnxRuntime, or train with the portable backend: `orttune import-ort DIR --out NEW_DIR` " +
                $"rebuilds these artifacts for plain ONNX Runtime. ONNX Runtime said: {e.Message.Trim()}", e);
        }
        try
        {
            // A runtime that says which checkpoint versions it loads is checked here, with OrtTune's words (ORT 1.19 loads only version 2).
            CheckpointCompatibility.ThrowIfRejected(CheckpointReader.Read(path), OrtEnv.Instance().GetVersionString());
            using var options = SessionFactory.CreateOptions(config ?? new SessionConfig());
            var session = new TrainingSession(options, state, Path.Combine(directory, manifest.Files.Training),
                Path.Combine(directory, manifest.Files.Eval), Path.Combine(directory, manifest.Files.Optimizer));
            return new OrtTrainingBackend(directory, manifest, state, session);
        }
        catch (InvalidOperationException e)
        {
            state.Dispose();
            throw new ArtifactFormatException(e.Message, e);
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>Forward and backward on one batch (the runtime accumulates gradients until <see cref="OptimizerStep"/>); returns the loss.</summary>
    public float TrainStep(IReadOnlyList<NamedTensor> batch)
    {
        var inputs = Feeds(batch, _trainingInputs);
        try
        {
            using var outputs = _session.TrainStep(inputs);
            return outputs.First().GetTensorDataAsSpan<float>()[0];
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    /// <summary>Applies the accumulated gradients at <paramref name="learningRate"/>, then clears them.</summary>
    public void OptimizerStep(float learningRate)
    {
        _session.SetLearningRate(learningRate);
        _session.OptimizerStep();
        _session.LazyResetGrad();
        Step++;
    }

    /// <summary>The eval model's loss on one batch.</summary>
    public float Evaluate(IReadOnlyList<NamedTensor> batch)
    {
        var inputs = Feeds(batch, _evalInputs);
        try
        {
            using var outputs = _session.EvalStep(inputs);
            return outputs.First().GetTensorDataAsSpan<float>()[0];
        }
        finally
        {
            foreach (var v in inputs) v.Dispose();
        }
    }

    /// <summary>
    /// Saves parameters and optimizer state in the runtime's checkpoint format, atomically (the runtime writes a
    /// temporary file beside the target, which then replaces it).
    /// </summary>
    public void SaveCheckpoint(string path)
    {
        var target = Path.GetFullPath(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            CheckpointState.SaveCheckpoint(_state, temp, includeOptimizerState: true);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> optimizer steps over <paramref name="batches"/> (cycled), saving to
    /// <paramref name="checkpointPath"/> at the end when given. A NaN/Inf loss stops the run with
    /// <see cref="DivergedException"/> before its gradients are applied.
    /// </summary>
    public (float FirstLoss, float LastLoss, bool Cancelled) Train(IReadOnlyList<IReadOnlyList<NamedTensor>> batches, int steps, float learningRate,
        string? checkpointPath, IProgress<(long Step, float Loss)>? progress = null, CancellationToken cancellation = default)
    {
        if (batches.Count == 0) throw new ArgumentException("No batches to train on.", nameof(batches));
        float first = float.NaN, last = float.NaN;
        bool cancelled = false;
        for (int i = 0; i < steps; i++)
        {
            if (cancellation.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }
            last = TrainStep(batches[i % batches.Count]);
            if (!float.IsFinite(last)) throw new DivergedException(Step + 1, "loss", last, null);
            if (i == 0) first = last;
            OptimizerStep(learningRate);
            progress?.Report((Step, last));
        }
        if (checkpointPath is not null) SaveCheckpoint(checkpointPath);
        return (first, last, cancelled);
    }

    public void Dispose()
    {
        _session.Dispose();
        _state.Dispose();
    }

    /// <summary>The checkpoint must hold exactly the parameters the manifest names; the runtime would otherwise fail deep inside session creation.</summary>
    private static void CheckParameters(ArtifactManifest manifest, TrainingCheckpoint checkpoint, string path)
    {
        var expected = manifest.Trainable.Select(t => t.Name).Concat(manifest.Frozen).ToHashSet(StringComparer.Ordinal);
        var held = checkpoint.AllParameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Except(held).Take(5).ToList();
        var foreign = held.Except(expected).Take(5).ToList();
        if (missing.Count == 0 && foreign.Count == 0) return;
        throw new ArtifactFormatException(
            $"Checkpoint '{path}' does not match the artifacts in '{manifest.SourceModel}'" +
            (missing.Count > 0 ? $"; missing parameters: {string.Join(", ", missing)}" : "") +
            (foreign.Count > 0 ? $"; parameters the graphs do not have: {string.Join(", ", foreign)}" : "") +
            ". It belongs to other artifacts, or a parameter was renamed.");
    }

    private static List<OrtValue> Feeds(IReadOnlyList<NamedTensor> batch, IReadOnlyList<string> names)
    {
        var byName = batch.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var values = new List<OrtValue>(names.Count);
        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var t))
            {
                foreach (var v in values) v.Dispose();
                throw new ArgumentException($"The batch has no '{name}' (the runtime's inputs are {string.Join(", ", names)}).", nameof(batch));
            }
            values.Add(OrtValues.FromHost(t));
        }
        return values;
    }
}

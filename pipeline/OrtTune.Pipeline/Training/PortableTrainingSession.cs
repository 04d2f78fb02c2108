using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// Runs OrtTune's portable artifacts on plain ONNX Runtime: the training graph computes loss and gradients, the
/// optimizer graph updates parameters and state. Parameters, gradients and optimizer state are native tensors
/// allocated once and bound to both sessions, so a step moves no weights through managed memory; the optimizer
/// writes each updated tensor into the buffer it read (each buffer's readers all run before the node that
/// overwrites it, so the aliasing is safe).
/// </summary>
public sealed class PortableTrainingSession : ITrainStepRunner
{
    private readonly ArtifactManifest _manifest;
    private readonly InferenceSession _training, _optimizer;
    private readonly SessionConfig _config;
    private readonly SharedInitializers? _shared;
    private EvalGraph? _eval;
    private readonly Dictionary<string, OrtValue> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _gradients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _scratch = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrtValue> _data = new(StringComparer.Ordinal);
    private readonly OrtValue _loss, _prediction, _learningRate, _step, _gradScale, _gradNorm;
    private readonly OrtIoBinding _trainBinding, _scratchBinding, _optimizerBinding;
    private readonly RunOptions _run = new();
    private int _accumulated;

    private PortableTrainingSession(string directory, ArtifactManifest manifest, IEnumerable<NamedTensor> parameters,
        IEnumerable<NamedTensor>? optimizerState, long step, SessionConfig config)
    {
        manifest.RequireRuntime(ArtifactManifest.PortableRuntime, directory);
        _manifest = manifest;
        Directory = directory;
        Step = step;
        _config = config;
        // The weights both graphs hold are read once, for both sessions.
        _shared = SharedInitializers.Load(directory, manifest);
        try
        {
            // No pre-packed weights in the training graph: a frozen weight read as W and as Wᵀ would be packed twice.
            _training = SessionFactory.Create(Path.Combine(directory, manifest.Files.Training), config with { Prepacking = false }, _shared);
            _optimizer = SessionFactory.Create(Path.Combine(directory, manifest.Files.Optimizer), config);

            var given = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
            foreach (var spec in manifest.Trainable)
            {
                if (!given.TryGetValue(spec.Name, out var p))
                    throw new ArtifactFormatException($"No initial value for trainable parameter '{spec.Name}'.");
                if (!p.GetDims().SequenceEqual(spec.Shape))
                    throw new ArtifactFormatException(
                        $"Parameter '{spec.Name}' has shape [{string.Join(",", p.GetDims())}] but the artifacts expect [{string.Join(",", spec.Shape)}]: the parameters come from another model.");
                _parameters[spec.Name] = OrtValues.FromHost(p);
                _gradients[spec.Name] = OrtValues.Allocate((int)p.ElementType, p.GetDims());
                _scratch[spec.Name] = OrtValues.Allocate((int)p.ElementType, p.GetDims());
            }
            var savedState = (optimizerState ?? []).ToDictionary(s => s.Name, StringComparer.Ordinal);
            foreach (var slot in manifest.OptimizerBinding.Slots)
            {
                var param = _parameters[slot.Parameter];
                var info = param.GetTensorTypeAndShape();
                foreach (var state in slot.States)
                {
                    var value = OrtValues.Allocate((int)info.ElementDataType, info.Shape);
                    if (savedState.TryGetValue(state, out var saved)) OrtValues.Fill(value, saved.RawData.Span);
                    else OrtValues.Zero(value);
                    _states[state] = value;
                }
            }
            foreach (var input in manifest.Inputs)
                _data[input.Name] = OrtValues.Allocate((int)ElementTypes.FromName(input.ElemType), input.Shape);

            _loss = OrtValues.Allocate(1, []);
            var predictionShape = _training.OutputMetadata[manifest.PredictionName].Dimensions.Select(d => (long)d).ToArray();
            _prediction = OrtValues.Allocate(1, predictionShape);
            _learningRate = OrtValues.Allocate(1, []);
            _step = OrtValues.Allocate(7, []);
            _gradScale = OrtValues.Allocate(1, []);
            _gradNorm = OrtValues.Allocate(1, []);

            _trainBinding = BindTraining(_gradients);
            _scratchBinding = BindTraining(_scratch);
            _optimizerBinding = BindOptimizer();
        }
        catch
        {
            // A foreign checkpoint or a session that fails to open: release what was made (the shared weights are large).
            Dispose();
            throw;
        }
    }

    /// <summary>Opens an artifacts directory with the given initial parameters (and optimizer state, when resuming).</summary>
    public static PortableTrainingSession Open(string directory, IEnumerable<NamedTensor> parameters,
        IEnumerable<NamedTensor>? optimizerState = null, long step = 0, SessionConfig? config = null) =>
        new(directory, ArtifactManifest.Load(directory), parameters, optimizerState, step, config ?? new SessionConfig());

    public string Directory { get; }
    public ArtifactManifest Manifest => _manifest;

    /// <summary>Optimizer steps taken so far.</summary>
    public long Step { get; private set; }

    /// <summary>Micro-batches whose gradients wait for the next <see cref="OptimizerStep"/>.</summary>
    public int PendingMicroBatches => _accumulated;

    /// <summary>Global gradient norm of the last optimizer step (before clipping), when the optimizer reports it.</summary>
    public float? LastGradNorm { get; private set; }

    /// <summary>Forward and backward on one batch; gradients add up over calls until <see cref="OptimizerStep"/>.</summary>
    public float TrainStep(IReadOnlyList<NamedTensor> batch)
    {
        Feed(batch, _data.Keys);
        if (_accumulated == 0)
            _training.RunWithBinding(_run, _trainBinding);
        else
        {
            _training.RunWithBinding(_run, _scratchBinding);
            foreach (var (name, grad) in _gradients)
                TensorPrimitives.Add(grad.GetTensorDataAsSpan<float>(), _scratch[name].GetTensorDataAsSpan<float>(), grad.GetTensorMutableDataAsSpan<float>());
        }
        _accumulated++;
        return OrtValues.ReadFloat(_loss);
    }

    /// <summary>Applies one optimizer update with the mean of the accumulated gradients.</summary>
    public void OptimizerStep(float learningRate)
    {
        if (_accumulated == 0) throw new InvalidOperationException("OptimizerStep needs at least one TrainStep first.");
        Step++;
        _learningRate.GetTensorMutableDataAsSpan<float>()[0] = learningRate;
        _step.GetTensorMutableDataAsSpan<long>()[0] = Step;
        _gradScale.GetTensorMutableDataAsSpan<float>()[0] = 1f / _accumulated;
        if (_manifest.OptimizerBinding.GradScale is null && _accumulated > 1)
            throw new InvalidOperationException("These artifacts' optimizer takes no grad_scale input, so gradients cannot be accumulated.");
        _optimizer.RunWithBinding(_run, _optimizerBinding);
        if (_manifest.OptimizerBinding.GradNorm is not null) LastGradNorm = OrtValues.ReadFloat(_gradNorm);
        _accumulated = 0;
    }

    /// <summary>Loss and prediction of the eval graph on one batch; parameters are read, not changed.</summary>
    public (float loss, float[] prediction) Evaluate(IReadOnlyList<NamedTensor> batch)
    {
        var eval = _eval ??= new EvalGraph(Path.Combine(Directory, _manifest.Files.Eval), _config, _shared, _manifest, _data, _parameters);
        // The eval graph may read fewer inputs than training (TokenTune's selection exists only in the training graph).
        Feed(batch, _data.Keys.Where(eval.Session.InputMetadata.ContainsKey));
        eval.Session.RunWithBinding(_run, eval.Binding);
        return (OrtValues.ReadFloat(eval.Loss), eval.Prediction.GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>The session's parameters, optimizer state and step as an ORT-format checkpoint.</summary>
    public TrainingCheckpoint CaptureCheckpoint() => SessionCheckpoints.Capture(this);

    /// <summary>Prediction of the last <see cref="TrainStep"/>.</summary>
    public ReadOnlySpan<float> LastPrediction => _prediction.GetTensorDataAsSpan<float>();

    /// <summary>Copies of the current parameters (for checkpoints and export).</summary>
    public IReadOnlyList<NamedTensor> Parameters() => Snapshot(_parameters);

    /// <summary>Copies of the optimizer state tensors, by optimizer input name.</summary>
    public IReadOnlyList<NamedTensor> OptimizerState() => Snapshot(_states);

    /// <summary>Copies of the gradients computed by the last <see cref="TrainStep"/> (summed over pending micro-batches).</summary>
    public IReadOnlyList<NamedTensor> Gradients() => Snapshot(_gradients);

    private static List<NamedTensor> Snapshot(Dictionary<string, OrtValue> values) => values.Select(p =>
    {
        var info = p.Value.GetTensorTypeAndShape();
        return NamedTensor.FromRawData(p.Key, (TensorElementType)(int)info.ElementDataType, info.Shape, OrtValues.Bytes(p.Value));
    }).ToList();

    private void Feed(IReadOnlyList<NamedTensor> batch, IEnumerable<string> required)
    {
        foreach (var t in batch)
        {
            if (!_data.TryGetValue(t.Name, out var target))
                throw new ArgumentException($"The artifacts have no input '{t.Name}'; inputs: {string.Join(", ", _data.Keys)}.");
            var spec = _manifest.Inputs.First(i => i.Name == t.Name);
            if (!t.GetDims().SequenceEqual(spec.Shape))
                throw new ArgumentException($"Input '{t.Name}' has shape [{string.Join(",", t.GetDims())}]; the artifacts were prepared for [{string.Join(",", spec.Shape)}].");
            OrtValues.Fill(target, t.RawData.Span);
        }
        var missing = required.Except(batch.Select(b => b.Name)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"The batch lacks input(s): {string.Join(", ", missing)}.");
    }

    private OrtIoBinding BindTraining(Dictionary<string, OrtValue> gradientTargets)
    {
        var binding = _training.CreateIoBinding();
        foreach (var (name, value) in _data) binding.BindInput(name, value);
        foreach (var (name, value) in _parameters) binding.BindInput(name, value);
        binding.BindOutput(_manifest.LossName, _loss);
        foreach (var (param, output) in _manifest.Gradients) binding.BindOutput(output, gradientTargets[param]);
        binding.BindOutput(_manifest.PredictionName, _prediction);
        return binding;
    }

    private OrtIoBinding BindOptimizer()
    {
        var b = _manifest.OptimizerBinding;
        var binding = _optimizer.CreateIoBinding();
        binding.BindInput(b.LearningRate, _learningRate);
        binding.BindInput(b.Step, _step);
        if (b.GradScale is not null) binding.BindInput(b.GradScale, _gradScale);
        foreach (var slot in b.Slots)
        {
            binding.BindInput(slot.Parameter, _parameters[slot.Parameter]);
            binding.BindInput(slot.Gradient, _gradients[slot.Parameter]);
            binding.BindOutput(slot.UpdatedParameter, _parameters[slot.Parameter]);
            for (int i = 0; i < slot.States.Count; i++)
            {
                binding.BindInput(slot.States[i], _states[slot.States[i]]);
                binding.BindOutput(slot.UpdatedStates[i], _states[slot.States[i]]);
            }
        }
        if (b.GradNorm is not null) binding.BindOutput(b.GradNorm, _gradNorm);
        return binding;
    }

    public void Dispose()
    {
        _eval?.Dispose();
        // Null-tolerant: the constructor calls this when it fails halfway.
        foreach (var d in new IDisposable?[] { _trainBinding, _scratchBinding, _optimizerBinding, _run, _training, _optimizer,
                     _loss, _prediction, _learningRate, _step, _gradScale, _gradNorm })
            d?.Dispose();
        foreach (var map in new[] { _parameters, _gradients, _scratch, _states, _data })
            foreach (var v in map.Values) v.Dispose();
        _shared?.Dispose(); // after every session that reads it
    }

    /// <summary>
    /// The eval graph's session and bindings, opened by the first <see cref="Evaluate"/>: what the eval graph holds
    /// beyond the shared weights (its own copy of everything in older artifacts) is not resident before then.
    /// </summary>
    private sealed class EvalGraph : IDisposable
    {
        public InferenceSession Session { get; }
        public OrtIoBinding Binding { get; }
        public OrtValue Loss { get; } = OrtValues.Allocate(1, []);
        public OrtValue Prediction { get; }

        public EvalGraph(string path, SessionConfig config, SharedInitializers? shared, ArtifactManifest manifest,
            Dictionary<string, OrtValue> data, Dictionary<string, OrtValue> parameters)
        {
            Session = SessionFactory.Create(path, config, shared);
            // TokenTune's training prediction holds the selected positions only; the eval graph's holds all of them.
            Prediction = OrtValues.Allocate(1, Session.OutputMetadata[manifest.PredictionName].Dimensions.Select(d => (long)d).ToArray());
            Binding = Session.CreateIoBinding();
            foreach (var (name, value) in data)
                if (Session.InputMetadata.ContainsKey(name)) Binding.BindInput(name, value);
            foreach (var (name, value) in parameters) Binding.BindInput(name, value);
            Binding.BindOutput(manifest.LossName, Loss);
            Binding.BindOutput(manifest.PredictionName, Prediction);
        }

        public void Dispose()
        {
            Binding.Dispose();
            Session.Dispose();
            Loss.Dispose();
            Prediction.Dispose();
        }
    }
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// What the <see cref="Trainer"/> needs from a backend: forward+backward on a micro-batch, one optimizer update, a
/// forward-only evaluation and the state as a checkpoint. The trainer knows nothing else about how a step runs, so the
/// portable backend (<see cref="PortableTrainingSession"/>) and an ONNX Runtime training backend are interchangeable.
/// </summary>
public interface ITrainStepRunner : IDisposable
{
    /// <summary>The artifacts the runner executes (inputs, loss kind, ignore index, optimizer settings).</summary>
    ArtifactManifest Manifest { get; }

    /// <summary>Optimizer steps taken so far (restored from the checkpoint when resuming).</summary>
    long Step { get; }

    /// <summary>Global gradient norm of the last optimizer step before clipping, when the optimizer reports it.</summary>
    float? LastGradNorm { get; }

    /// <summary>Forward and backward on one micro-batch; gradients add up until <see cref="OptimizerStep"/>. Returns the loss.</summary>
    float TrainStep(IReadOnlyList<NamedTensor> batch);

    /// <summary>Updates the parameters with the mean of the accumulated gradients at <paramref name="learningRate"/>.</summary>
    void OptimizerStep(float learningRate);

    /// <summary>Loss and prediction of the eval graph (forward + loss) on one batch; parameters are read, not changed.</summary>
    (float loss, float[] prediction) Evaluate(IReadOnlyList<NamedTensor> batch);

    /// <summary>Parameters, optimizer state and step as an ORT-format checkpoint (no user properties).</summary>
    TrainingCheckpoint CaptureCheckpoint();
}

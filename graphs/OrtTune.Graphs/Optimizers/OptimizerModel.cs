using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// A built optimizer: a standalone ONNX model run once per step after the training model, and how to bind it.
/// Inputs: <see cref="OptimizerNames.LearningRate"/>, <see cref="OptimizerNames.Step"/>, optional
/// <see cref="OptimizerNames.GradScale"/>, then per parameter its value, gradient and states; outputs: per parameter
/// the updated value and states, then <see cref="OptimizerNames.GradNorm"/> when <see cref="HasGradNorm"/>.
/// </summary>
public sealed record OptimizerModel(Model Model, IReadOnlyList<OptimizerSlot> Slots, bool HasGradNorm);

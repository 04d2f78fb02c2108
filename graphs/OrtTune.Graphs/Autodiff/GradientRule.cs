namespace OrtTune.Graphs.Autodiff;

/// <summary>
/// The backward rule of one operator: given the gradients of the node's outputs (<see cref="GradientContext.OutputGrad"/>),
/// adds nodes that compute the gradients of the inputs that need one and hands them to
/// <see cref="GradientContext.SetGrad"/>. Rules read only the forward values they need, so that ONNX Runtime can
/// free the rest as soon as the forward pass is done with them.
/// </summary>
public delegate void GradientRule(GradientContext ctx);

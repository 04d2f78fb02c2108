using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Optimizers;

/// <summary>A trainable parameter as the optimizer graph sees it: its name, element type and static shape.</summary>
public sealed record OptimizerParameter(string Name, DataType ElemType, long[] Shape)
{
    /// <summary>The parameter held by <paramref name="value"/> (an initializer or a typed graph input of static shape).</summary>
    public static OptimizerParameter Of(Value value)
    {
        var type = value.Initializer?.Type ?? value.TensorType;
        if (type is not { Shape: { IsStatic: true } shape })
            throw new ArgumentException($"Parameter '{value.Name}' needs a static shape; it is {value.Type?.ToString() ?? "untyped"}.");
        return new OptimizerParameter(value.Name, type.ElemType, shape.ToArray());
    }
}

namespace OrtTune.Graphs.IR;

/// <summary>The type of a value flowing through a graph: a tensor (almost always), or a sequence, map, optional or sparse tensor.</summary>
public abstract record ValueType;

/// <summary>A dense tensor of <see cref="ElemType"/>; <see cref="Shape"/> is null when even the rank is unknown.</summary>
public sealed record TensorType(DataType ElemType, Shape? Shape) : ValueType
{
    public override string ToString() => $"{ElemType.OnnxName()}{Shape?.ToString() ?? "[?]"}";
}

public sealed record SparseTensorType(DataType ElemType, Shape? Shape) : ValueType;

public sealed record SequenceType(ValueType? ElemType) : ValueType;

public sealed record MapType(DataType KeyType, ValueType? ValueType) : ValueType;

public sealed record OptionalType(ValueType? ElemType) : ValueType;

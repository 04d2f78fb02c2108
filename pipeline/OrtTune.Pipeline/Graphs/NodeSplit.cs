namespace OrtTune.Pipeline.Graphs;

/// <summary>One train/validation/test partition of the nodes (sorted node ids).</summary>
public sealed record NodeSplit(int Index, int[] Train, int[] Validation, int[] Test);

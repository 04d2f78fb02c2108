using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// Message passing over an edge list, in standard ops whose memory grows with the edges, never with nodes²:
/// Gather reads each edge's source row, ScatterND with reduction "add" sums the messages into their targets.
/// </summary>
public sealed class EdgeList
{
    public EdgeList(OpBuilder ops, Value source, Value target, long nodeCount)
    {
        Ops = ops;
        Source = source;
        Target = target;
        NodeCount = nodeCount;
        EdgeCount = OpBuilder.StaticShape(source)[0];
        TargetIndices = ops.Unsqueeze(target, 1);
    }

    public OpBuilder Ops { get; }
    public Value Source { get; }
    public Value Target { get; }
    public long NodeCount { get; }
    public long EdgeCount { get; }

    /// <summary>The targets as ScatterND index tuples [edges, 1].</summary>
    public Value TargetIndices { get; }

    /// <summary>Rows of <paramref name="x"/> at each edge's source (or target): [edges, ...].</summary>
    public Value AtSource(Value x) => Ops.Op("Gather", [x, Source], Attribute.Of("axis", 0L));
    public Value AtTarget(Value x) => Ops.Op("Gather", [x, Target], Attribute.Of("axis", 0L));

    /// <summary>Σ over the edges into each node of <paramref name="messages"/> [edges, ...] → [nodes, ...].</summary>
    public Value SumAtTargets(Value messages)
    {
        var shape = OpBuilder.StaticShape(messages);
        long[] outShape = [NodeCount, .. shape[1..]];
        var zeros = Ops.Op("ConstantOfShape", [Ops.Ints(outShape)], Attribute.Of("value", Tensor.FromArray(new[] { 0f }, 1)));
        return Ops.Op("ScatterND", [zeros, TargetIndices, messages], Attribute.Of("reduction", "add"));
    }

    /// <summary>Number of edges into each node, as float [nodes].</summary>
    public Value InDegree() => SumAtTargets(Ops.Op("ConstantOfShape", [Ops.Ints(EdgeCount)], Attribute.Of("value", Tensor.FromArray(new[] { 1f }, 1))));
}

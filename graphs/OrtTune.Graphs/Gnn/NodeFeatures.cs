using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Gnn;

/// <summary>
/// A layer's input rows as the convolutions use them: only ever multiplied by a weight matrix, so sparse inputs
/// (bag-of-words node features are ~2 % non-zero) are projected straight from their non-zeros without a dense copy.
/// </summary>
public abstract class NodeFeatures
{
    public abstract long Rows { get; }
    public abstract long Width { get; }

    /// <summary>The rows times <paramref name="weight"/> [Width, out]: [Rows, out].</summary>
    public abstract Value Project(OpBuilder ops, Value weight);

    /// <summary>The same rows, each divided by its L2 norm + 1e-8 (the reference's LayerNormalization).</summary>
    public abstract NodeFeatures L2NormalizeRows(OpBuilder ops);

    public static NodeFeatures Dense(Value x) => new DenseRows(x);

    /// <summary>Non-zeros (row, column, value) of a [rows, width] matrix, each as a [nnz] input.</summary>
    public static NodeFeatures Sparse(Value row, Value column, Value value, long rows, long width) => new SparseRows(row, column, value, rows, width);

    /// <summary><paramref name="top"/>'s rows followed by <paramref name="bottom"/>'s (e.g. real nodes, then virtual class nodes).</summary>
    public static NodeFeatures Stack(NodeFeatures top, NodeFeatures bottom) => new StackedRows(top, bottom);

    /// <summary>
    /// <paramref name="left"/>'s columns followed by <paramref name="right"/>'s (the same rows): projected as the sum
    /// of each side times its block of the weight, so either side may stay sparse. Normalise each side before.
    /// </summary>
    public static NodeFeatures Beside(NodeFeatures left, NodeFeatures right) => new SideBySideRows(left, right);

    private sealed class DenseRows(Value x) : NodeFeatures
    {
        public override long Rows => OpBuilder.StaticShape(x)[0];
        public override long Width => OpBuilder.StaticShape(x)[1];
        public override Value Project(OpBuilder ops, Value weight) => ops.MatMul(x, weight);
        public override NodeFeatures L2NormalizeRows(OpBuilder ops) => new DenseRows(GnnLayer.L2NormalizeRows(ops, x));
    }

    private sealed class SparseRows(Value row, Value column, Value value, long rows, long width) : NodeFeatures
    {
        public override long Rows => rows;
        public override long Width => width;

        // Σ_k value_k · W[column_k] into row_k: one [nnz, out] tensor instead of a [rows, width] dense matrix.
        public override Value Project(OpBuilder ops, Value weight)
        {
            var picked = ops.Op("Gather", [weight, column], Attribute.Of("axis", 0L));
            var scaled = ops.Op("Mul", picked, ops.Unsqueeze(value, 1));
            var zeros = ops.Op("ConstantOfShape", [ops.Ints(rows, OpBuilder.StaticShape(weight)[1])], Attribute.Of("value", Tensor.FromArray(new[] { 0f }, 1)));
            return ops.Op("ScatterND", [zeros, ops.Unsqueeze(row, 1), scaled], Attribute.Of("reduction", "add"));
        }

        public override NodeFeatures L2NormalizeRows(OpBuilder ops)
        {
            var zeros = ops.Op("ConstantOfShape", [ops.Ints(rows)], Attribute.Of("value", Tensor.FromArray(new[] { 0f }, 1)));
            var squares = ops.Op("ScatterND", [zeros, ops.Unsqueeze(row, 1), ops.Op("Mul", value, value)], Attribute.Of("reduction", "add"));
            var norm = ops.Op("Add", ops.Op("Sqrt", squares), ops.Scalar(1e-8, DataType.Float));
            var scaled = ops.Op("Div", value, ops.Op("Gather", [norm, row], Attribute.Of("axis", 0L)));
            return new SparseRows(row, column, scaled, rows, width);
        }
    }

    private sealed class StackedRows(NodeFeatures top, NodeFeatures bottom) : NodeFeatures
    {
        public override long Rows => top.Rows + bottom.Rows;
        public override long Width => top.Width;
        public override Value Project(OpBuilder ops, Value weight) =>
            ops.Op("Concat", [top.Project(ops, weight), bottom.Project(ops, weight)], Attribute.Of("axis", 0L));
        public override NodeFeatures L2NormalizeRows(OpBuilder ops) => new StackedRows(top.L2NormalizeRows(ops), bottom.L2NormalizeRows(ops));
    }

    private sealed class SideBySideRows(NodeFeatures left, NodeFeatures right) : NodeFeatures
    {
        public override long Rows => left.Rows;
        public override long Width => left.Width + right.Width;
        public override Value Project(OpBuilder ops, Value weight) => ops.Op("Add",
            left.Project(ops, ops.Op("Slice", weight, ops.Ints(0), ops.Ints(left.Width), ops.Ints(0))),
            right.Project(ops, ops.Op("Slice", weight, ops.Ints(left.Width), ops.Ints(Width), ops.Ints(0))));

        // A whole-row norm would need both sides' squared norms; the one user (Top-to-Input) normalises each side.
        public override NodeFeatures L2NormalizeRows(OpBuilder ops) =>
            throw new NotSupportedException("Normalise each side's rows before placing them beside each other.");
    }
}

using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;
using OrtTune.Graphs.Shapes;
using static OrtTune.Graphs.Tests.Shapes.ShapeAssert;

namespace OrtTune.Graphs.Tests.Shapes;

/// <summary>Which values inference treats as constants, and how far it computes with them.</summary>
[TestClass]
public sealed class KnownValueTests
{
    [TestMethod]
    public void Constants_and_integer_initializers_are_known()
    {
        var g = new TestGraph();
        var x = g.Input("x", DataType.Float, 6, 4);
        var constant = g.Ints(3, -1);
        var y = g.Op("Reshape", [x, constant]);
        var z = g.Op("Reshape", [x, g.Initializer("target", Tensor.Vector(2L, 12L))]);

        var result = g.Infer();

        Assert.IsTrue(result.KnownValues.ContainsKey(constant));
        HasShape(y, 3, 8);
        HasShape(z, 2, 12);
    }

    [TestMethod]
    public void Large_float_initializers_are_parameters_not_constants()
    {
        var g = new TestGraph();
        var weight = g.Initializer("weight", Tensor.FromArray(new float[100], 10, 10));
        var scale = g.Initializer("scale", Tensor.FromArray(new float[4], 4));
        var w = g.Op("Identity", [weight]);
        var s = g.Op("Identity", [scale]);

        var result = g.Infer();

        HasShape(w, 10, 10);
        Assert.IsFalse(result.KnownValues.ContainsKey(w), "a trainable weight must not be folded");
        Assert.IsTrue(result.KnownValues.ContainsKey(s), "a 4-element float initializer is a constant");
        Assert.IsFalse(result.KnownValues.ContainsKey(weight), "initializers are not listed");
    }

    [TestMethod]
    public void Initializer_that_is_also_an_input_is_only_a_default()
    {
        var g = new TestGraph();
        var target = g.Initializer("target", Tensor.Vector(2L, 12L));
        g.Graph.Inputs.Add(target);
        var y = g.Op("Reshape", [g.Input("x", DataType.Float, 6, 4), target]);

        g.Infer();

        HasShape(y, null, null);
    }

    [TestMethod]
    public void Small_constant_subgraphs_are_computed()
    {
        var g = new TestGraph();
        var shape = g.Ints(2, 3);
        var filled = g.Op("ConstantOfShape", [shape], Attribute.Of("value", Tensor.Vector(1.5f)));
        var doubled = g.Op("Add", [filled, filled]);

        var result = g.Infer();

        HasType(doubled, DataType.Float, 2, 3);
        CollectionAssert.AreEqual(new[] { 3f, 3f, 3f, 3f, 3f, 3f }, result.KnownValues[doubled].ToArray<float>());
    }

    [TestMethod]
    public void Outputs_over_the_propagation_limit_are_not_computed()
    {
        var g = new TestGraph();
        var big = g.Op("ConstantOfShape", [g.Ints(100, 100)]);

        var result = g.Infer(new ShapeInferenceOptions { MaxPropagatedElements = 1000 });

        HasShape(big, 100, 100);
        Assert.IsFalse(result.KnownValues.ContainsKey(big));
    }
}

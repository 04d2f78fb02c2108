using OrtTune.Graphs.Autodiff;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Training;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Optimizers;

/// <summary>
/// What every optimizer model has: the model and its step-level inputs, per-parameter inputs, the gradient
/// pre-processing (grad_scale, clipping) and the naming of the outputs. The update rules build on it.
/// Step-level scalars (bias corrections, 1 − lr·wd) are computed in double and cast to the parameter type, as
/// PyTorch computes them on Python floats, so the updates match torch's to float rounding.
/// </summary>
internal sealed class OptimizerGraph
{
    private readonly OptimizerOptions _options;
    private readonly Dictionary<(Value, DataType), Value> _casts = [];
    private Value? _lrDouble, _stepDouble;

    public OptimizerGraph(string name, IReadOnlyList<OptimizerParameter> parameters, OptimizerOptions options)
    {
        Validate(parameters, options);
        _options = options;
        Graph = new Graph(name);
        Model = new Model(Graph)
        {
            IrVersion = 8,
            ProducerName = "OrtTune",
            DocString = $"{name}. Inputs: {OptimizerNames.LearningRate} (float), {OptimizerNames.Step} (int64, 1-based), optional " +
                        $"{OptimizerNames.GradScale} (float, default 1), then per parameter p: p, {OptimizerNames.Gradient("p")} and its " +
                        $"states. Outputs: <input>{OptimizerNames.Updated("")} for p and each state, fed back as the inputs of the next step.",
        };
        Model.OpsetImports[""] = options.Opset;
        Ops = new OpBuilder(Graph, Model.OpsetImports);
        Parameters = parameters;

        LearningRate = Graph.AddInput(OptimizerNames.LearningRate, new TensorType(DataType.Float, Shape.Scalar));
        Step = Graph.AddInput(OptimizerNames.Step, new TensorType(DataType.Int64, Shape.Scalar));
        // An input that is also an initializer is optional in ONNX Runtime: the initializer is its default.
        GradScale = Graph.AddInput(OptimizerNames.GradScale, new TensorType(DataType.Float, Shape.Scalar));
        Graph.AddInitializer(GradScale, Tensor.Scalar(1f));

        var noDecay = ParameterSelection.Compile(options.NoWeightDecay);
        Params = new Value[parameters.Count];
        Grads = new Value[parameters.Count];
        Decayed = new bool[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var type = new TensorType(p.ElemType, new Shape(p.Shape));
            Params[i] = Graph.AddInput(p.Name, type);
            Grads[i] = Graph.AddInput(OptimizerNames.Gradient(p.Name), type);
            Decayed[i] = options.WeightDecay != 0 && !noDecay.IsMatch(p.Name);
        }
        States = parameters.Select(_ => new List<Value>()).ToArray();
    }

    public Model Model { get; }
    public Graph Graph { get; }
    public OpBuilder Ops { get; }
    public IReadOnlyList<OptimizerParameter> Parameters { get; }
    public Value LearningRate { get; }
    public Value Step { get; }
    public Value GradScale { get; }
    public Value[] Params { get; }
    public Value[] Grads { get; }
    public bool[] Decayed { get; }
    public List<Value>[] States { get; }

    /// <summary>Adds the state input <paramref name="state"/> of parameter <paramref name="i"/> (shaped like it).</summary>
    public Value AddState(int i, string state)
    {
        var v = Graph.AddInput(new Value(OptimizerNames.State(Parameters[i].Name, state), Params[i].Type));
        States[i].Add(v);
        return v;
    }

    /// <summary>The gradients the update sees: times grad_scale, then clipped when configured. Adds grad_norm when wanted.</summary>
    public Value[] PreparedGradients()
    {
        var scaled = Grads.Select(g => Ops.Op("Mul", g, ScalarLike(GradScale, g.ElemType))).ToArray();
        if (_options.MaxGradNorm is null && !_options.ReportGradNorm) return scaled;
        var (clipped, norm) = GradientClipping.Apply(Ops, scaled, _options.MaxGradNorm);
        Graph.RenameValue(norm, OptimizerNames.GradNorm);
        GradNorm = norm;
        return clipped;
    }

    public Value? GradNorm { get; private set; }

    /// <summary>The learning rate as a double, for step-level arithmetic.</summary>
    public Value LearningRateDouble => _lrDouble ??= Cast(LearningRate, DataType.Double);

    /// <summary>The (1-based) step number as a double.</summary>
    public Value StepDouble => _stepDouble ??= Cast(Step, DataType.Double);

    public Value Double(double value) => Ops.Scalar(value, DataType.Double);

    public Value Const(double value, DataType type) => Ops.Scalar(value, type);

    public Value Cast(Value v, DataType to) => Ops.Cast(v, to);

    /// <summary>A step-level scalar cast to <paramref name="type"/> (one Cast per scalar and type).</summary>
    public Value ScalarLike(Value scalar, DataType type)
    {
        if (scalar.ElemType == type) return scalar;
        if (!_casts.TryGetValue((scalar, type), out var cast)) _casts[(scalar, type)] = cast = Cast(scalar, type);
        return cast;
    }

    /// <summary>Declares the model outputs of parameter <paramref name="i"/>: its new value and new states, in state order.</summary>
    public OptimizerSlot SetOutputs(int i, Value updated, IReadOnlyList<Value> updatedStates)
    {
        if (updatedStates.Count != States[i].Count) throw new InvalidOperationException("One updated value per state.");
        string Output(Value v, Value input)
        {
            // An input passed through unchanged still needs a node output of its own name.
            if (v.Producer is null || v.IsGraphOutput) v = Ops.Op("Identity", v);
            Graph.RenameValue(v, OptimizerNames.Updated(input.Name));
            Graph.Outputs.Add(v);
            return v.Name;
        }
        var p = Output(updated, Params[i]);
        var s = updatedStates.Select((v, k) => Output(v, States[i][k])).ToList();
        return new OptimizerSlot(Params[i].Name, Grads[i].Name, States[i].Select(v => v.Name).ToList(), p, s, Decayed[i]);
    }

    public OptimizerModel Finish(IReadOnlyList<OptimizerSlot> slots)
    {
        // Inputs grouped per parameter (value, gradient, states), like the outputs.
        var grouped = new[] { LearningRate, Step, GradScale }.Concat(Params.SelectMany((p, i) => new[] { p, Grads[i] }.Concat(States[i]))).ToList();
        Graph.Inputs.Clear();
        Graph.Inputs.AddRange(grouped);
        // Derived names can collide with parameter names ("w" and "w_grad"); ONNX needs every name once.
        var clash = Graph.Inputs.Concat(Graph.Outputs).GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"The optimizer model would have two values named '{clash.Key}'; rename the parameter.");
        if (GradNorm is not null) Graph.Outputs.Add(GradNorm);
        return new OptimizerModel(Model, slots, GradNorm is not null);
    }

    private static void Validate(IReadOnlyList<OptimizerParameter> parameters, OptimizerOptions options)
    {
        if (parameters.Count == 0) throw new ArgumentException("The optimizer needs at least one parameter.");
        if (options.Opset < 13) throw new ArgumentException($"Optimizer models need opset 13 or later, not {options.Opset}.");
        if (options.MaxGradNorm is <= 0 or double.NaN)
            throw new ArgumentException($"MaxGradNorm must be positive, not {options.MaxGradNorm}.");
        if (options.WeightDecay < 0 || double.IsNaN(options.WeightDecay))
            throw new ArgumentException($"WeightDecay must be ≥ 0, not {options.WeightDecay}.");
        var reserved = new HashSet<string>(StringComparer.Ordinal)
            { OptimizerNames.LearningRate, OptimizerNames.Step, OptimizerNames.GradScale, OptimizerNames.GradNorm };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in parameters)
        {
            if (string.IsNullOrEmpty(p.Name)) throw new ArgumentException("A parameter has no name.");
            if (reserved.Contains(p.Name)) throw new ArgumentException($"A parameter cannot be named '{p.Name}' (an optimizer input).");
            if (!seen.Add(p.Name)) throw new ArgumentException($"Parameter '{p.Name}' is listed twice.");
            if (p.ElemType is not (DataType.Float or DataType.Double))
                throw new ArgumentException($"Parameter '{p.Name}' is {p.ElemType.OnnxName()}; optimizer graphs update float or double parameters.");
            if (p.Shape.Any(d => d < 0)) throw new ArgumentException($"Parameter '{p.Name}' has a negative dimension.");
        }
    }
}

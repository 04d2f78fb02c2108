using OrtTune.Graphs.IR;
using Attribute = OrtTune.Graphs.IR.Attribute;

namespace OrtTune.Graphs.Autodiff.Rules;

/// <summary>
/// The maths shared by LayerNorm and RMSNorm (and their Skip forms): x̂ = (x − μ)·r with r = 1/√(var + ε) over
/// the normalised axes, where RMSNorm has μ = 0 and var = mean(x²). The statistics are recomputed from x with
/// ReduceMean rather than read from the node's optional Mean/InvStdDev outputs, which exports usually leave out
/// and ORT's Skip kernels never write. Everything is computed in x's type and built only when first needed.
/// </summary>
internal sealed class NormalizationBackward
{
    private readonly OpBuilder _o;
    private readonly Value _x;
    private readonly long[] _axes;
    private readonly double _epsilon;
    private readonly bool _centred;
    private readonly long _count;
    private Value? _invStd, _xHat;

    public NormalizationBackward(OpBuilder o, Value x, long firstAxis, double epsilon, bool centred)
    {
        _o = o;
        _x = x;
        var shape = OpBuilder.StaticShape(x);
        firstAxis = GradientContext.Axis(firstAxis, shape.Length);
        _axes = Enumerable.Range((int)firstAxis, shape.Length - (int)firstAxis).Select(a => (long)a).ToArray();
        _count = _axes.Aggregate(1L, (n, a) => n * shape[a]);
        _epsilon = epsilon;
        _centred = centred;
    }

    private DataType Type => _x.ElemType;

    /// <summary>r = 1/√(var + ε), with size-1 normalised axes.</summary>
    public Value InvStd { get { Build(); return _invStd!; } }

    /// <summary>The normalised input x̂ (x's shape).</summary>
    public Value XHat { get { Build(); return _xHat!; } }

    private void Build()
    {
        if (_xHat is not null) return;
        var centred = _centred ? _o.Op("Sub", _x, _o.ReduceMean(_x, _axes, keepDims: true)) : _x;
        var variance = _o.ReduceMean(_o.Op("Mul", centred, centred), _axes, keepDims: true);
        _invStd = _o.Op("Reciprocal", _o.Op("Sqrt", _o.Op("Add", variance, _o.Scalar(_epsilon, Type))));
        _xHat = _o.Op("Mul", centred, _invStd);
    }

    /// <summary>
    /// dx from the gradient of x̂ and, when something reads them, of the statistics outputs μ and r (any float type,
    /// size-1 normalised axes):
    /// dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂⊙x̂)) (RMSNorm: no mean(dx̂) term) + dμ/N − dr·r²·x̂/N.
    /// </summary>
    public Value? InputGrad(Value? gXHat, Value? gMean, Value? gInvStd)
    {
        var o = _o;
        var terms = new List<Value>();
        if (gXHat is not null)
        {
            var projection = o.Op("Mul", XHat, o.ReduceMean(o.Op("Mul", gXHat, XHat), _axes, keepDims: true));
            var inner = o.Op("Sub", gXHat, projection);
            if (_centred) inner = o.Op("Sub", inner, o.ReduceMean(gXHat, _axes, keepDims: true));
            terms.Add(o.Op("Mul", inner, InvStd));
        }
        if (gMean is not null)
        {
            var perElement = o.Op("Div", InType(gMean), o.Scalar(_count, Type));
            terms.Add(o.Expand(perElement, OpBuilder.StaticShape(_x)));
        }
        if (gInvStd is not null)
        {
            // dr/dx = −r³(x − μ)/N = −r²·x̂/N
            var coefficient = o.Op("Div", o.Op("Mul", InType(gInvStd), o.Op("Mul", InvStd, InvStd)), o.Scalar(-_count, Type));
            terms.Add(o.Op("Mul", coefficient, XHat));
        }
        return terms.Count == 0 ? null : o.Sum(terms);
    }

    private Value InType(Value v) => _o.Cast(v, Type);
}

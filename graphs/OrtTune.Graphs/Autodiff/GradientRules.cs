using OrtTune.Graphs.Autodiff.Rules;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Autodiff;

/// <summary>The one table of gradient rules, keyed by (domain, op type); "" is the default ONNX domain.</summary>
public static class GradientRules
{
    private static readonly Dictionary<(string Domain, string OpType), GradientRule> Table = Build();

    public static GradientRule? Find(Node node) => Table.GetValueOrDefault((node.Domain, node.OpType));

    public static bool Has(string domain, string opType) => Table.ContainsKey((Node.NormalizeDomain(domain), opType));

    /// <summary>Every (domain, op) with a rule, for reports and the central gradient check.</summary>
    public static IEnumerable<(string Domain, string OpType)> Supported => Table.Keys;

    private static Dictionary<(string, string), GradientRule> Build()
    {
        var t = new Dictionary<(string, string), GradientRule>();
        void Add(string op, GradientRule rule, string domain = "") => t.Add((domain, op), rule);

        Add("Identity", IdentityGradients.Identity);
        Add("Add", ArithmeticGradients.Add);
        Add("Sub", ArithmeticGradients.Sub);
        Add("Mul", ArithmeticGradients.Mul);
        Add("Div", ArithmeticGradients.Div);
        Add("Neg", ArithmeticGradients.Neg);
        Add("MatMul", MatMulGradients.MatMul);
        Add("ReduceSum", ReduceGradients.ReduceSum);
        Add("ReduceMean", ReduceGradients.ReduceMean);

        // ---- element-wise maths, activations, normalisation, softmax, Gemm, Dropout ----
        // (end of element-wise section)

        // ---- data movement: reshape/transpose/slice/concat/split/gather/scatter/where ----
        // (end of data-movement section)
        return t;
    }
}

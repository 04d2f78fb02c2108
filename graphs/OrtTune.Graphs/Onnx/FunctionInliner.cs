using Google.Protobuf;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Onnx.Proto;

namespace OrtTune.Graphs.Onnx;

/// <summary>
/// Expands calls of model-local functions (ModelProto.functions) into their bodies, at the protobuf level and before
/// the IR is built, so every later stage sees only primitive operators. Function-internal names get a prefix unique
/// to the call; attributes that refer to the caller's attributes (ref_attr_name) take the caller's values or the
/// function's defaults.
/// </summary>
internal static class FunctionInliner
{
    private const int MaxDepth = 32;

    public static void InlineAll(ModelProto model)
    {
        var functions = new Dictionary<(string, string, string), FunctionProto>();
        foreach (var f in model.Functions)
            functions[(Normalize(f.Domain), f.Name, f.Overload)] = f;
        var names = new HashSet<string>(StringComparer.Ordinal);
        CollectNames(model.Graph, names);
        int counter = 0;
        string Fresh(string hint)
        {
            string candidate = hint;
            while (!names.Add(candidate)) candidate = $"{hint}__{++counter}";
            return candidate;
        }

        InlineInGraph(model.Graph, functions, Fresh, 0);
        foreach (var f in model.Functions)
            foreach (var opset in f.OpsetImport)
                MergeOpset(model, opset);
        model.Functions.Clear();
    }

    private static void MergeOpset(ModelProto model, OperatorSetIdProto opset)
    {
        string domain = Normalize(opset.Domain);
        var existing = model.OpsetImport.FirstOrDefault(o => Normalize(o.Domain) == domain);
        if (existing is null) model.OpsetImport.Add(opset.Clone());
        else if (existing.Version != opset.Version)
            throw new ModelFormatException(
                $"a model-local function imports operator set '{DomainName(domain)}' version {opset.Version} but the model imports version {existing.Version}; they cannot be inlined together.");
    }

    private static void InlineInGraph(GraphProto graph, Dictionary<(string, string, string), FunctionProto> functions,
        Func<string, string> fresh, int depth)
    {
        var result = new List<NodeProto>(graph.Node.Count);
        foreach (var node in graph.Node)
        {
            foreach (var attr in node.Attribute)
            {
                if (attr.G is not null) InlineInGraph(attr.G, functions, fresh, depth);
                foreach (var g in attr.Graphs) InlineInGraph(g, functions, fresh, depth);
            }
            if (!functions.TryGetValue((Normalize(node.Domain), node.OpType, node.Overload), out var function))
            {
                result.Add(node);
                continue;
            }
            if (depth >= MaxDepth)
                throw new ModelFormatException($"function '{node.OpType}' calls itself (or nests deeper than {MaxDepth} levels).");
            var body = Expand(node, function, fresh);
            // The body may call further functions; expand them through a temporary graph.
            var temp = new GraphProto();
            temp.Node.AddRange(body);
            InlineInGraph(temp, functions, fresh, depth + 1);
            result.AddRange(temp.Node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(result);
    }

    private static IEnumerable<NodeProto> Expand(NodeProto call, FunctionProto function, Func<string, string> fresh)
    {
        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < function.Input.Count; i++)
            rename[function.Input[i]] = i < call.Input.Count ? call.Input[i] : "";
        string prefix = (call.Name.Length > 0 ? call.Name : call.OpType) + "/";
        // An output the caller omits may still be read inside the body, so it becomes a fresh internal value, not "".
        for (int i = 0; i < function.Output.Count; i++)
            if (i < call.Output.Count && call.Output[i].Length > 0) rename[function.Output[i]] = call.Output[i];
        string Map(string name)
        {
            if (name.Length == 0) return name;
            if (!rename.TryGetValue(name, out var mapped)) rename[name] = mapped = fresh(prefix + name);
            return mapped;
        }

        var callerAttributes = call.Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var defaults = function.AttributeProto.ToDictionary(a => a.Name, StringComparer.Ordinal);
        foreach (var original in function.Node)
        {
            var node = original.Clone();
            node.Name = fresh(prefix + (original.Name.Length > 0 ? original.Name : original.OpType));
            for (int i = 0; i < node.Input.Count; i++) node.Input[i] = Map(node.Input[i]);
            for (int i = 0; i < node.Output.Count; i++) node.Output[i] = Map(node.Output[i]);
            var attributes = node.Attribute.ToList();
            node.Attribute.Clear();
            foreach (var attr in attributes)
            {
                if (!attr.HasRefAttrName) { node.Attribute.Add(attr); continue; }
                var source = callerAttributes.GetValueOrDefault(attr.RefAttrName) ?? defaults.GetValueOrDefault(attr.RefAttrName);
                if (source is null) continue; // Unset optional attribute: the op's own default applies.
                var bound = source.Clone();
                bound.Name = attr.Name;
                node.Attribute.Add(bound);
            }
            foreach (var attr in node.Attribute)
            {
                if (attr.G is not null) RenameInSubgraph(attr.G, Map);
                foreach (var g in attr.Graphs) RenameInSubgraph(g, Map);
            }
            yield return node;
        }
    }

    /// <summary>A subgraph inside a function body may read function-scope names; those are renamed too.</summary>
    private static void RenameInSubgraph(GraphProto graph, Func<string, string> map)
    {
        var local = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name))
            .Concat(graph.Node.SelectMany(n => n.Output)), StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i].Length > 0 && !local.Contains(node.Input[i])) node.Input[i] = map(node.Input[i]);
            foreach (var attr in node.Attribute)
            {
                if (attr.G is not null) RenameInSubgraph(attr.G, map);
                foreach (var g in attr.Graphs) RenameInSubgraph(g, map);
            }
        }
        foreach (var output in graph.Output)
            if (!local.Contains(output.Name)) output.Name = map(output.Name);
    }

    private static void CollectNames(GraphProto graph, HashSet<string> names)
    {
        foreach (var v in graph.Input) names.Add(v.Name);
        foreach (var v in graph.Initializer) names.Add(v.Name);
        foreach (var n in graph.Node)
        {
            names.Add(n.Name);
            foreach (var o in n.Output) names.Add(o);
            foreach (var a in n.Attribute)
            {
                if (a.G is not null) CollectNames(a.G, names);
                foreach (var g in a.Graphs) CollectNames(g, names);
            }
        }
    }

    private static string Normalize(string domain) => domain == "ai.onnx" ? "" : domain;
    private static string DomainName(string domain) => domain.Length == 0 ? "ai.onnx" : domain;
}

namespace OrtTune.Graphs.IR;

/// <summary>
/// A computation graph: inputs, initializers (constant inputs), nodes in a linked list (so inserting and removing
/// while iterating is cheap and safe), and outputs. Subgraphs (If/Loop/Scan bodies) are graphs too, with
/// <see cref="Parent"/> set; their nodes may read values of enclosing graphs by reference.
/// </summary>
public sealed class Graph
{
    private readonly OrderedDictionary<string, Value> _initializers = new(StringComparer.Ordinal);
    private Node? _first, _last;
    private HashSet<string>? _names;
    private int _nameCounter;

    public Graph(string name = "graph") => Name = name;

    public string Name { get; set; }
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>Graph inputs in order. Use <see cref="AddInput"/> so the value knows its graph.</summary>
    public List<Value> Inputs { get; } = [];
    public List<Value> Outputs { get; } = [];

    /// <summary>The graph enclosing this one, when this is the body of a control-flow node.</summary>
    public Graph? Parent { get; internal set; }
    public Node? OwnerNode { get; internal set; }

    /// <summary>Parts of the file that OrtTune keeps but does not interpret (sparse initializers, quantisation annotations), as protobuf bytes.</summary>
    public List<byte[]> OpaqueSparseInitializers { get; } = [];
    public List<byte[]> OpaqueQuantizationAnnotations { get; } = [];

    public IReadOnlyCollection<Value> Initializers => _initializers.Values;
    public int NodeCount { get; private set; }
    public Node? FirstNode => _first;
    public Node? LastNode => _last;

    /// <summary>Nodes in list order. Removing or inserting nodes during the enumeration is safe.</summary>
    public IEnumerable<Node> Nodes
    {
        get
        {
            for (var n = _first; n is not null;)
            {
                var next = n.Next;
                yield return n;
                // If the caller removed n, continue from where it was: a removed node keeps its Next, so a node inserted
                // after n before its removal is still visited. If n moved to another graph, continue from its old
                // successor. Skip nodes removed meanwhile (they keep Next too).
                var candidate = n.Graph is null || n.Graph == this ? n.Next : next;
                while (candidate is not null && candidate.Graph != this) candidate = candidate.Next;
                n = candidate;
            }
        }
    }

    /// <summary>Every node of this graph and, recursively, of its subgraphs.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var n in Nodes)
        {
            yield return n;
            foreach (var g in n.Subgraphs)
                foreach (var inner in g.AllNodes()) yield return inner;
        }
    }

    public Value AddInput(Value value)
    {
        Adopt(value);
        Inputs.Add(value);
        return value;
    }

    public Value AddInput(string name, TensorType type) => AddInput(new Value(name, type));

    public Value AddInitializer(string name, Tensor tensor)
    {
        var value = new Value(name, tensor.DataType == DataType.String ? new TensorType(DataType.String, tensor.Shape) : tensor.Type);
        return AddInitializer(value, tensor);
    }

    public Value AddInitializer(Value value, Tensor tensor)
    {
        if (_initializers.ContainsKey(value.Name))
            throw new InvalidOperationException($"Graph '{Name}' already has an initializer named '{value.Name}'.");
        Adopt(value);
        value.Initializer = tensor;
        _initializers.Add(value.Name, value);
        return value;
    }

    public Value? FindInitializer(string name) => _initializers.GetValueOrDefault(name);

    /// <summary>Turns an initializer back into a plain value (e.g. a parameter that becomes a graph input).</summary>
    public void RemoveInitializer(Value value)
    {
        if (!_initializers.Remove(value.Name))
            throw new InvalidOperationException($"'{value.Name}' is not an initializer of graph '{Name}'.");
        value.Initializer = null;
    }

    /// <summary>Renames an initializer, keeping the initializer table consistent.</summary>
    public void RenameValue(Value value, string newName)
    {
        if (value.IsInitializer && value.Graph == this)
        {
            int index = _initializers.IndexOf(value.Name);
            _initializers.RemoveAt(index);
            _initializers.Insert(index, newName, value);
        }
        Register(newName);
        value.Name = newName;
    }

    private void Adopt(Value value)
    {
        value.Graph = this;
        Register(value.Name);
    }

    /// <summary>Marks a name taken in the model-wide table, if UniqueName has built it (it lives on the root).</summary>
    private void Register(string name)
    {
        if (name.Length > 0) Root._names?.Add(name);
    }

    // ---- node list -------------------------------------------------------------------------------------------

    public Node Append(Node node)
    {
        Attach(node);
        node.Prev = _last;
        if (_last is null) _first = node; else _last.Next = node;
        _last = node;
        return node;
    }

    public Node InsertBefore(Node anchor, Node node)
    {
        CheckMember(anchor);
        Attach(node);
        node.Next = anchor;
        node.Prev = anchor.Prev;
        if (anchor.Prev is null) _first = node; else anchor.Prev.Next = node;
        anchor.Prev = node;
        return node;
    }

    public Node InsertAfter(Node anchor, Node node)
    {
        CheckMember(anchor);
        if (anchor.Next is null) return Append(node);
        return InsertBefore(anchor.Next, node);
    }

    /// <summary>
    /// Removes <paramref name="node"/> and disconnects its inputs. With <paramref name="safe"/> (the default) it
    /// refuses to remove a node whose outputs are still read or are graph outputs.
    /// </summary>
    public void Remove(Node node, bool safe = true)
    {
        CheckMember(node);
        if (safe)
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                if (output.Uses.Count > 0)
                    throw new InvalidOperationException(
                        $"Cannot remove node '{node.Name}' ({node.QualifiedOpType}): its output '{output.Name}' is read by '{output.Uses[0].Node.Name}'.");
                if (Outputs.Contains(output))
                    throw new InvalidOperationException(
                        $"Cannot remove node '{node.Name}' ({node.QualifiedOpType}): its output '{output.Name}' is a graph output.");
            }
        DisconnectRecursively(node);
        if (node.Prev is null) _first = node.Next; else node.Prev.Next = node.Next;
        if (node.Next is null) _last = node.Prev; else node.Next.Prev = node.Prev;
        // Keep Next so that an enumeration standing on this node can continue; Graph=null marks it detached.
        node.Prev = null;
        node.Graph = null;
        NodeCount--;
    }

    private static void DisconnectRecursively(Node node)
    {
        node.ClearInputs();
        foreach (var sub in node.Subgraphs)
            foreach (var inner in sub.Nodes) DisconnectRecursively(inner);
    }

    private void Attach(Node node)
    {
        if (node.Graph is not null) throw new InvalidOperationException($"Node '{node.Name}' is already in graph '{node.Graph.Name}'.");
        node.Graph = this;
        node.Next = null;
        NodeCount++;
        foreach (var output in node.Outputs)
            if (output is not null) Adopt(output);
        foreach (var sub in node.Subgraphs)
        {
            sub.Parent = this;
            sub.OwnerNode = node;
            // The names inside a subgraph that joins the model after the table was built are taken too.
            if (Root._names is { } table) sub.CollectNames(table);
        }
        Register(node.Name);
    }

    private void CheckMember(Node node)
    {
        if (node.Graph != this) throw new InvalidOperationException($"Node '{node.Name}' is not in graph '{Name}'.");
    }

    /// <summary>Root of the graph nesting (the model's main graph).</summary>
    public Graph Root => Parent?.Root ?? this;

    // ---- names --------------------------------------------------------------------------------------------------

    /// <summary>A value or node name not yet used anywhere in the model, derived from <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        var root = Root;
        if (root != this) return root.UniqueName(hint);
        if (_names is null)
        {
            _names = new HashSet<string>(StringComparer.Ordinal);
            CollectNames(_names);
        }
        if (_names.Add(hint)) return hint;
        while (true)
        {
            string candidate = $"{hint}_{++_nameCounter}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    /// <summary>Adds every value and node name of this graph and its subgraphs to <paramref name="names"/>.</summary>
    private void CollectNames(HashSet<string> names)
    {
        foreach (var v in Inputs) names.Add(v.Name);
        foreach (var v in Initializers) names.Add(v.Name);
        foreach (var n in Nodes)
        {
            if (n.Name.Length > 0) names.Add(n.Name);
            foreach (var o in n.Outputs) if (o is not null) names.Add(o.Name);
            foreach (var s in n.Subgraphs) s.CollectNames(names);
        }
    }

    // ---- order --------------------------------------------------------------------------------------------------

    /// <summary>
    /// Reorders nodes so every node comes after the producers of everything it reads (including values read inside
    /// its subgraphs). Stable: nodes already in order keep their relative order. Throws on a cycle.
    /// </summary>
    public void TopologicalSort()
    {
        var nodes = Nodes.ToList();
        var index = new Dictionary<Node, int>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++) index[nodes[i]] = i;
        var pending = new int[nodes.Count];
        var consumers = new List<int>?[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var producer in ProducersRead(nodes[i]).Distinct())
            {
                if (!index.TryGetValue(producer, out int p)) continue;
                pending[i]++;
                (consumers[p] ??= []).Add(i);
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(nodes[i]);
            if (consumers[i] is null) continue;
            foreach (int c in consumers[i]!)
                if (--pending[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, i) => pending[i] > 0).Take(5).Select(n => $"'{n.Name}' ({n.QualifiedOpType})");
            throw new InvalidOperationException($"Graph '{Name}' has a cycle through {string.Join(", ", stuck)}.");
        }
        Node? prev = null;
        foreach (var n in order)
        {
            n.Prev = prev;
            if (prev is null) _first = n; else prev.Next = n;
            prev = n;
        }
        if (prev is not null) prev.Next = null;
        _last = prev;
    }

    /// <summary>Nodes of this graph whose outputs <paramref name="node"/> (or any node inside its subgraphs) reads.</summary>
    private IEnumerable<Node> ProducersRead(Node node)
    {
        foreach (var v in node.Inputs)
            if (v?.Producer is { } p && p.Graph == this) yield return p;
        foreach (var sub in node.Subgraphs)
            foreach (var inner in sub.AllNodes())
                foreach (var v in inner.Inputs)
                    if (v?.Producer is { } p && p.Graph == this) yield return p;
    }

    public override string ToString() => $"Graph '{Name}' ({NodeCount} nodes)";
}

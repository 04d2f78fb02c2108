namespace OrtTune.Artifacts.Checkpoints;

/// <summary>
/// Compares checkpoint content exactly (names, types, dims, data bytes, optimizer state, properties; floats by bits)
/// and describes the first difference — to check that a rewrite or conversion kept everything.
/// </summary>
public static class CheckpointComparison
{
    /// <summary>The first difference between two checkpoints, or null when their content is identical.</summary>
    /// <param name="ignoreOrder">
    /// Compare lists as sets by name (a sorted rewrite keeps content, not order). Properties are always compared by name.
    /// </param>
    /// <param name="ignoreVersion">Do not compare <see cref="TrainingCheckpoint.Version"/>.</param>
    public static string? FirstDifference(TrainingCheckpoint expected, TrainingCheckpoint actual, bool ignoreOrder = false, bool ignoreVersion = false)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (!ignoreVersion && expected.Version != actual.Version) return $"version: {expected.Version} vs {actual.Version}";
        if (expected.IsNominalState != actual.IsNominalState) return $"is_nominal_state: {expected.IsNominalState} vs {actual.IsNominalState}";
        return Tensors("trainable parameters", expected.TrainableParameters, actual.TrainableParameters, ignoreOrder)
            ?? Tensors("frozen parameters", expected.FrozenParameters, actual.FrozenParameters, ignoreOrder)
            ?? Groups(expected.OptimizerGroups, actual.OptimizerGroups, ignoreOrder)
            ?? Properties(expected.PropertyBag, actual.PropertyBag);
    }

    /// <summary>The first difference between two tensors, or null when identical.</summary>
    public static string? FirstDifference(NamedTensor expected, NamedTensor actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var where = $"tensor '{expected.Name}'";
        if (expected.Name != actual.Name) return $"tensor name: '{expected.Name}' vs '{actual.Name}'";
        if (expected.ElementType != actual.ElementType) return $"{where} element type: {expected.ElementType} vs {actual.ElementType}";
        if (!expected.Dims.SequenceEqual(actual.Dims))
            return $"{where} dims: [{string.Join(",", expected.Dims)}] vs [{string.Join(",", actual.Dims)}]";
        if (expected.DocString != actual.DocString) return $"{where} doc_string: '{expected.DocString}' vs '{actual.DocString}'";
        if (expected.HasData != actual.HasData) return $"{where} has data: {expected.HasData} vs {actual.HasData}";
        if (!expected.RawData.Span.SequenceEqual(actual.RawData.Span))
        {
            var a = expected.RawData.Span;
            var b = actual.RawData.Span;
            var at = a.CommonPrefixLength(b);
            return $"{where} data: {a.Length} vs {b.Length} bytes, first difference at byte {at}";
        }
        var sa = expected.StringData ?? [];
        var sb = actual.StringData ?? [];
        if (!sa.SequenceEqual(sb, StringComparer.Ordinal)) return $"{where} string data differs";
        return null;
    }

    private static string? Tensors(string what, IReadOnlyList<NamedTensor> expected, IReadOnlyList<NamedTensor> actual, bool ignoreOrder)
    {
        if (expected.Count != actual.Count)
            return $"{what}: {expected.Count} vs {actual.Count} ([{string.Join(", ", expected.Select(t => t.Name))}] vs [{string.Join(", ", actual.Select(t => t.Name))}])";
        var a = Order(expected, t => t.Name, ignoreOrder);
        var b = Order(actual, t => t.Name, ignoreOrder);
        for (var i = 0; i < a.Count; i++)
            if (FirstDifference(a[i], b[i]) is { } d) return $"{what}[{i}]: {d}";
        return null;
    }

    private static string? Groups(List<OptimizerGroup> expected, List<OptimizerGroup> actual, bool ignoreOrder)
    {
        if (expected.Count != actual.Count) return $"optimizer groups: {expected.Count} vs {actual.Count}";
        var a = Order(expected, g => g.GroupName, ignoreOrder);
        var b = Order(actual, g => g.GroupName, ignoreOrder);
        for (var i = 0; i < a.Count; i++)
        {
            var (x, y) = (a[i], b[i]);
            var where = $"optimizer group '{x.GroupName}'";
            if (x.GroupName != y.GroupName) return $"optimizer group name: '{x.GroupName}' vs '{y.GroupName}'";
            if (x.Step != y.Step) return $"{where} step: {x.Step} vs {y.Step}";
            if (BitConverter.SingleToInt32Bits(x.InitialLearningRate) != BitConverter.SingleToInt32Bits(y.InitialLearningRate))
                return $"{where} initial learning rate: {x.InitialLearningRate} vs {y.InitialLearningRate}";
            if (x.ParameterStates.Count != y.ParameterStates.Count)
                return $"{where} parameter states: {x.ParameterStates.Count} vs {y.ParameterStates.Count}";
            var pa = Order(x.ParameterStates, p => p.ParameterName, ignoreOrder);
            var pb = Order(y.ParameterStates, p => p.ParameterName, ignoreOrder);
            for (var k = 0; k < pa.Count; k++)
            {
                if (pa[k].ParameterName != pb[k].ParameterName)
                    return $"{where} parameter state {k}: '{pa[k].ParameterName}' vs '{pb[k].ParameterName}'";
                if (Tensors($"{where} states of '{pa[k].ParameterName}'", pa[k].States, pb[k].States, ignoreOrder) is { } d) return d;
            }
        }
        return null;
    }

    private static string? Properties(CheckpointPropertyBag expected, CheckpointPropertyBag actual)
    {
        if (expected.Count != actual.Count) return $"properties: {expected.Count} vs {actual.Count}";
        // The file groups properties by kind, so their order across kinds is not content: compare by name.
        var a = Order(expected.ToList(), p => p.Name, ignoreOrder: true);
        var b = Order(actual.ToList(), p => p.Name, ignoreOrder: true);
        for (var i = 0; i < a.Count; i++)
        {
            var (x, y) = (a[i], b[i]);
            var same = x.Name == y.Name && x.Kind == y.Kind && x.Int64Value == y.Int64Value
                && BitConverter.SingleToInt32Bits(x.FloatValue) == BitConverter.SingleToInt32Bits(y.FloatValue)
                && x.StringValue == y.StringValue;
            if (!same) return $"property {i}: {x} vs {y}";
        }
        return null;
    }

    private static IReadOnlyList<T> Order<T>(IReadOnlyList<T> items, Func<T, string> name, bool ignoreOrder) =>
        ignoreOrder ? items.OrderBy(name, Utf8Ordinal.Instance).ToList() : items;
}

using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;

namespace OrtTune.Pipeline.Data;

/// <summary>What each artifacts input holds in a text batch, read from the manifest: the artifacts decide the batch.</summary>
public sealed class BatchLayout
{
    /// <summary>The role of one input.</summary>
    public enum Role { InputIds, AttentionMask, TokenTypeIds, PositionIds, Labels }

    private static readonly Dictionary<string, Role> Roles = new(StringComparer.Ordinal)
    {
        ["input_ids"] = Role.InputIds,
        ["attention_mask"] = Role.AttentionMask,
        ["token_type_ids"] = Role.TokenTypeIds,
        ["position_ids"] = Role.PositionIds,
        ["labels"] = Role.Labels,
        ["label"] = Role.Labels,
        ["targets"] = Role.Labels,
        ["target"] = Role.Labels,
    };

    private BatchLayout(List<(TensorSpec Spec, Role Role, TensorElementType Type)> inputs, int batchSize, int sequenceLength, bool tokenLabels)
    {
        Inputs = inputs;
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        TokenLabels = tokenLabels;
    }

    /// <summary>The artifacts' inputs in order, with their roles and element types.</summary>
    public IReadOnlyList<(TensorSpec Spec, Role Role, TensorElementType Type)> Inputs { get; }
    public int BatchSize { get; }
    public int SequenceLength { get; }
    /// <summary>True when the labels input is per token [batch, seq] (causal LM); false for one label per example [batch].</summary>
    public bool TokenLabels { get; }
    public bool HasLabels => Inputs.Any(i => i.Role == Role.Labels);

    /// <exception cref="InvalidDataException">Inputs a text dataset cannot fill, or shapes that are not [batch, seq].</exception>
    public static BatchLayout From(ArtifactManifest manifest)
    {
        var names = string.Join(", ", manifest.Inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]"));
        var ids = manifest.Inputs.Find(i => i.Name == "input_ids")
            ?? throw new InvalidDataException($"The artifacts have no 'input_ids' input, so text cannot be fed to them (inputs: {names}).");
        if (ids.Shape.Length != 2 || ids.Shape[0] < 1 || ids.Shape[1] < 1)
            throw new InvalidDataException($"The artifacts' input_ids has shape [{string.Join(",", ids.Shape)}]; a text dataset fills [batch, sequence].");
        long batch = ids.Shape[0], seq = ids.Shape[1];
        var inputs = new List<(TensorSpec, Role, TensorElementType)>();
        bool tokenLabels = false;
        foreach (var input in manifest.Inputs)
        {
            if (!Roles.TryGetValue(input.Name, out var role))
                throw new InvalidDataException(
                    $"The artifacts' input '{input.Name}' is not one a text dataset fills (input_ids, attention_mask, token_type_ids, position_ids, labels); inputs: {names}.");
            var type = ElementTypes.FromName(input.ElemType);
            bool integer = type is TensorElementType.Int64 or TensorElementType.Int32;
            if (!integer && !(role == Role.AttentionMask && type == TensorElementType.Float))
                throw new InvalidDataException($"The artifacts' input '{input.Name}' is {input.ElemType}; a text dataset writes int64 or int32 there.");
            if (role == Role.Labels)
            {
                if (input.Shape.SequenceEqual([batch])) tokenLabels = false;
                else if (input.Shape.SequenceEqual([batch, seq])) tokenLabels = true;
                else throw new InvalidDataException($"The artifacts' labels input '{input.Name}' has shape [{string.Join(",", input.Shape)}]; expected [{batch}] or [{batch},{seq}].");
            }
            else if (!input.Shape.SequenceEqual([batch, seq]))
                throw new InvalidDataException($"The artifacts' input '{input.Name}' has shape [{string.Join(",", input.Shape)}]; input_ids is [{batch},{seq}] and it must match.");
            inputs.Add((input, role, type));
        }
        return new BatchLayout(inputs, checked((int)batch), checked((int)seq), tokenLabels);
    }

    /// <summary>
    /// The tensors of one batch from up to <see cref="BatchSize"/> examples; missing rows are padding (pad ids,
    /// mask 0, labels -100). Positions past an example's length are padding too.
    /// </summary>
    public Batch Build(IReadOnlyList<TokenizedExample> examples, int padId, long ignoreIndex)
    {
        int b = BatchSize, s = SequenceLength;
        long tokens = 0;
        var tensors = new List<NamedTensor>(Inputs.Count);
        foreach (var (spec, role, type) in Inputs)
        {
            long[] values = role == Role.Labels && !TokenLabels ? new long[b] : new long[b * s];
            switch (role)
            {
                case Role.InputIds:
                    Array.Fill(values, padId);
                    for (int r = 0; r < examples.Count; r++)
                        for (int t = 0; t < examples[r].Ids.Length; t++) values[r * s + t] = examples[r].Ids[t];
                    break;
                case Role.AttentionMask:
                    for (int r = 0; r < examples.Count; r++) values.AsSpan(r * s, examples[r].Ids.Length).Fill(1);
                    break;
                case Role.TokenTypeIds:
                    for (int r = 0; r < examples.Count; r++)
                        if (examples[r].TypeIds is { } typeIds)
                            for (int t = 0; t < typeIds.Length; t++) values[r * s + t] = typeIds[t];
                    break;
                case Role.PositionIds:
                    for (int r = 0; r < b; r++)
                        for (int t = 0; t < s; t++) values[r * s + t] = t;
                    break;
                case Role.Labels when TokenLabels:
                    Array.Fill(values, ignoreIndex);
                    for (int r = 0; r < examples.Count; r++)
                    {
                        var labels = examples[r].TokenLabels ?? throw new InvalidOperationException("Per-token labels are missing: the example was encoded for classification.");
                        for (int t = 0; t < labels.Length; t++) values[r * s + t] = labels[t];
                    }
                    break;
                case Role.Labels:
                    Array.Fill(values, ignoreIndex);
                    for (int r = 0; r < examples.Count; r++) values[r] = examples[r].Label;
                    break;
            }
            tensors.Add(type switch
            {
                TensorElementType.Int64 => NamedTensor.FromValues<long>(spec.Name, spec.Shape, values),
                TensorElementType.Int32 => NamedTensor.FromValues<int>(spec.Name, spec.Shape, values.Select(v => checked((int)v)).ToArray()),
                _ => NamedTensor.FromValues<float>(spec.Name, spec.Shape, values.Select(v => (float)v).ToArray()),
            });
        }
        foreach (var e in examples) tokens += e.Ids.Length;
        return new Batch(tensors, examples.Count, tokens);
    }
}

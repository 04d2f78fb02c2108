using System.Globalization;
using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;

namespace OrtTune.Pipeline.TokenSelection;

/// <summary>Connects artifacts prepared with TokenTune (manifest methods["tokentune"]) to the runner's batches.</summary>
public static class TokenSelection
{
    public const string MethodName = "tokentune";

    /// <summary>The selection settings the artifacts were prepared with, or null when they do not use TokenTune.</summary>
    /// <param name="spec">A --token-select override ("p=0.3" or "k=32"); its count must fit the artifacts' slots.</param>
    public static TokenSelectionOptions? FromManifest(ArtifactManifest manifest, string? spec = null, int seed = 0)
    {
        if (!manifest.Methods.TryGetValue(MethodName, out var s))
        {
            if (spec is not null) throw new ArtifactFormatException("--token-select needs artifacts prepared with TokenTune (`orttune prepare --token-select ...`).");
            return null;
        }
        string Get(string key) => s.TryGetValue(key, out var v) ? v
            : throw new ArtifactFormatException($"manifest.json's tokentune settings lack '{key}'.");
        var options = new TokenSelectionOptions
        {
            Slots = int.Parse(Get("selected"), CultureInfo.InvariantCulture),
            Decoder = Get("rule") == "decoder",
            Ratio = s.TryGetValue("p", out var p) ? double.Parse(p, CultureInfo.InvariantCulture) : null,
            Count = s.TryGetValue("k", out var k) ? int.Parse(k, CultureInfo.InvariantCulture) : null,
            IndicesName = Get("indices"),
            MaskName = Get("mask"),
            IdsInput = Get("ids"),
            IgnoreIndex = manifest.IgnoreIndex,
            Seed = seed,
        };
        try
        {
            if (spec is not null) options = WithSpec(options, spec);
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        long sequence = manifest.Inputs.FirstOrDefault(i => i.Name == options.IdsInput)?.Shape is [_, var n] ? n : 0;
        if (sequence > 0 && TokenSelectionRule.SelectedCount((int)sequence, options) > options.Slots)
            throw new InvalidDataException($"--token-select {spec} selects up to {TokenSelectionRule.SelectedCount((int)sequence, options)} tokens of {sequence}; the artifacts hold {options.Slots} slots (prepare them with that setting).");
        return options;
    }

    /// <summary>Wraps <paramref name="source"/> with the sampler when the manifest says TokenTune; returns it unchanged otherwise.</summary>
    public static IBatchSource Wrap(IBatchSource source, ArtifactManifest manifest, string? spec = null, int seed = 0) =>
        FromManifest(manifest, spec, seed) is { } options ? new TokenSelectionSource(source, options) : source;

    /// <summary>The manifest as the data pipeline sees it: without the selection inputs, which the sampler fills.</summary>
    public static ArtifactManifest WithoutSelectionInputs(ArtifactManifest manifest, TokenSelectionOptions options) =>
        manifest with { Inputs = manifest.Inputs.Where(i => i.Name != options.IndicesName && i.Name != options.MaskName).ToList() };

    /// <summary>Reads "p=0.3" or "k=32" into <paramref name="options"/>.</summary>
    public static TokenSelectionOptions WithSpec(TokenSelectionOptions options, string spec)
    {
        if (spec.Contains("pool=", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--token-select {spec}: the head's pooling is part of the training graph; choose it with `orttune prepare --token-select ...,pool=selected|unbiased|all`.");
        var parts = spec.Split('=', 2, StringSplitOptions.TrimEntries);
        var parsed = parts switch
        {
            ["p", var p] when double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) => options with { Ratio = ratio, Count = null },
            ["k", var k] when int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) => options with { Count = count, Ratio = null },
            _ => throw new ArgumentException($"Cannot read the token selection '{spec}': expected p=RATIO (e.g. p=0.3) or k=COUNT (e.g. k=32)."),
        };
        return parsed.Validate();
    }
}

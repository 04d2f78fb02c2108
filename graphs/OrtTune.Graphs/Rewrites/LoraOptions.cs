using System.Globalization;
using OrtTune.Graphs.Diagnostics;

namespace OrtTune.Graphs.Rewrites;

/// <summary>
/// Settings of LoRA (Hu et al. 2021, "Low-Rank Adaptation of Large Language Models"): each targeted linear weight W
/// stays frozen and gains a trainable low-rank update, y = x·Wᵀ + scale · (x·Aᵀ)·Bᵀ with A [rank, in], B [out, rank]
/// and scale = alpha / rank. The CLI form is "lora:r=8,alpha=16,dropout=0.05,targets=*q_proj*|*v_proj*".
/// </summary>
public sealed record LoraOptions
{
    /// <summary>Attention query and value projections under the usual export names (Llama, BERT, Meta, GPT-2's fused QKV).</summary>
    public static readonly IReadOnlyList<string> DefaultTargets = ["*q_proj*", "*v_proj*", "*query*", "*value*", "*wq*", "*wv*", "*c_attn*"];

    /// <summary>Rank r of the update. Default 8.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>Scaling numerator: the update is multiplied by <see cref="Alpha"/> / <see cref="Rank"/>. Default 16.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout ratio on the adapter's input, in the training graph only. Default 0 (no Dropout node).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Globs over weight initializer names ('*' any run of characters, '?' one). Default <see cref="DefaultTargets"/>,
    /// of which at least one must match; patterns given explicitly must each match some 2-D weight.
    /// </summary>
    public IReadOnlyList<string> Targets { get; init; } = DefaultTargets;

    /// <summary>Seed of the A initialisation (and of the adapter Dropout masks). Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>When true, the biases of targeted layers train too (PEFT's bias="lora_only"). Default false.</summary>
    public bool TrainBiases { get; init; }

    /// <summary>The factor alpha / rank applied to the update.</summary>
    public double Scale => Alpha / Rank;

    /// <summary>True when <see cref="Targets"/> is the default list (then only the list as a whole must match).</summary>
    public bool UsesDefaultTargets => Targets.SequenceEqual(DefaultTargets);

    /// <summary>Throws an <see cref="OrtTuneException"/> naming the first setting out of range.</summary>
    public LoraOptions Validate()
    {
        if (Rank < 1) throw new OrtTuneException($"LoRA rank must be at least 1, got {Rank}.");
        if (!double.IsFinite(Alpha) || Alpha <= 0) throw new OrtTuneException($"LoRA alpha must be a positive number, got {Alpha}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new OrtTuneException($"LoRA dropout must be in [0, 1), got {Dropout}.");
        if (Targets.Count == 0 || Targets.Any(string.IsNullOrWhiteSpace))
            throw new OrtTuneException("LoRA needs at least one non-empty target pattern.");
        return this;
    }

    /// <summary>
    /// Parses "lora" or "lora:KEY=VALUE,...". Keys: r (or rank), alpha, dropout, targets (globs separated by '|'),
    /// seed, bias (true/false: train the targeted layers' biases). Unnamed settings keep their defaults.
    /// </summary>
    public static LoraOptions Parse(string spec)
    {
        const string usage = "expected lora[:r=8,alpha=16,dropout=0.05,targets=*q_proj*|*v_proj*,seed=0,bias=false]";
        var text = spec.Trim();
        int colon = text.IndexOf(':');
        var method = colon < 0 ? text : text[..colon];
        if (!method.Equals("lora", StringComparison.OrdinalIgnoreCase))
            throw new OrtTuneException($"'{spec}' is not a LoRA spec: {usage}.");
        var options = new LoraOptions();
        if (colon < 0) return options;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in text[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0) throw new OrtTuneException($"LoRA spec '{spec}': '{part}' is not KEY=VALUE; {usage}.");
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            if (key == "rank") key = "r";
            if (!seen.Add(key)) throw new OrtTuneException($"LoRA spec '{spec}': '{key}' is given twice.");
            options = key switch
            {
                "r" => options with { Rank = Int(spec, key, value) },
                "alpha" => options with { Alpha = Number(spec, key, value) },
                "dropout" => options with { Dropout = Number(spec, key, value) },
                "seed" => options with { Seed = Int(spec, key, value) },
                "bias" => options with { TrainBiases = Bool(spec, key, value) },
                "targets" => options with { Targets = value.Split('|', StringSplitOptions.TrimEntries) },
                _ => throw new OrtTuneException($"LoRA spec '{spec}': unknown key '{key}'; keys are r, alpha, dropout, targets, seed, bias."),
            };
        }
        return options.Validate();
    }

    /// <summary>The spec form that <see cref="Parse"/> reads back to these settings.</summary>
    public string ToSpec() => string.Create(CultureInfo.InvariantCulture,
        $"lora:r={Rank},alpha={Alpha:R},dropout={Dropout:R},targets={string.Join('|', Targets)},seed={Seed},bias={(TrainBiases ? "true" : "false")}");

    /// <summary>The settings as recorded in the artifacts manifest (Methods["lora"]).</summary>
    public Dictionary<string, string> ToSettings() => new(StringComparer.Ordinal)
    {
        ["rank"] = Rank.ToString(CultureInfo.InvariantCulture),
        ["alpha"] = Alpha.ToString("R", CultureInfo.InvariantCulture),
        ["scale"] = Scale.ToString("R", CultureInfo.InvariantCulture),
        ["dropout"] = Dropout.ToString("R", CultureInfo.InvariantCulture),
        ["targets"] = string.Join('|', Targets),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        ["trainBiases"] = TrainBiases ? "true" : "false",
        ["spec"] = ToSpec(),
    };

    /// <summary>Reads settings written by <see cref="ToSettings"/> (e.g. to merge the adapters of trained artifacts).</summary>
    public static LoraOptions FromSettings(IReadOnlyDictionary<string, string> settings) =>
        settings.TryGetValue("spec", out var spec)
            ? Parse(spec)
            : throw new OrtTuneException("The LoRA settings have no 'spec' entry; they were not written by OrtTune.");

    private static int Int(string spec, string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new OrtTuneException($"LoRA spec '{spec}': {key} must be an integer, got '{value}'.");

    private static double Number(string spec, string key, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new OrtTuneException($"LoRA spec '{spec}': {key} must be a number, got '{value}'.");

    private static bool Bool(string spec, string key, string value) => value.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new OrtTuneException($"LoRA spec '{spec}': {key} must be true or false, got '{value}'."),
    };
}

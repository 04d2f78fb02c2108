using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Turns a row into a <see cref="TokenizedExample"/> for one task, placing the tokenizer's special tokens, cutting
/// to the sequence length and checking every id against the model's vocabulary.
/// </summary>
/// <remarks>
/// Layouts (specials only where the tokenizer has them): classification <c>[CLS|BOS] a [SEP] (b [SEP]) [EOS]</c>,
/// segment 0 up to the first separator, 1 after it, the longer text losing tokens first when too long; causal LM
/// <c>[BOS] text [EOS]</c> cut at the end (or split into windows overlapping by one token), labels = ids (the loss
/// shifts); prompt-response
/// <c>[BOS] prompt response [EOS]</c> cut at the end, labels -100 over BOS and the prompt.
/// </remarks>
public sealed class ExampleEncoder
{
    private const int Ignore = -100;
    private readonly ITokenizer _tokenizer;
    private readonly DatasetTask _task;
    private readonly int _length;
    private readonly long _vocabulary;
    private readonly LabelMap _labels;
    private readonly string _file;
    private readonly bool _pair;
    private readonly bool _split;

    /// <param name="splitLongTexts">Causal LM: cut a text longer than the sequence into overlapping windows instead of truncating it.</param>
    public ExampleEncoder(ITokenizer tokenizer, DatasetTask task, int sequenceLength, long vocabularySize, LabelMap labels, string file, bool pair,
        bool splitLongTexts = false)
    {
        _split = splitLongTexts && task == DatasetTask.CausalLM && sequenceLength >= 2;
        _tokenizer = tokenizer;
        _task = task;
        _length = sequenceLength;
        _vocabulary = vocabularySize;
        _labels = labels;
        _file = file;
        _pair = pair;
    }

    /// <summary>The columns <see cref="Encode"/> reads, in the order it expects their values.</summary>
    public static IReadOnlyList<string> Columns(DatasetOptions options, DatasetTask task) => task switch
    {
        DatasetTask.Classification when options.TextPairColumn is { } pair => [options.TextColumn, pair, options.LabelColumn],
        DatasetTask.Classification => [options.TextColumn, options.LabelColumn],
        DatasetTask.CausalLM => [options.TextColumn],
        _ => [options.PromptColumn, options.ResponseColumn],
    };

    /// <summary>The example of <paramref name="row"/>; several when a long causal-LM text is split into windows.</summary>
    public IReadOnlyList<TokenizedExample> Encode(TableRow row)
    {
        var special = _tokenizer.Special;
        IReadOnlyList<TokenizedExample> examples = _task switch
        {
            DatasetTask.Classification => [Classification(row, special)],
            DatasetTask.CausalLM when _split => Windows(row, special),
            DatasetTask.CausalLM => [Sequence(row, special, prompt: null, row.Values[0])],
            _ => [Sequence(row, special, prompt: row.Values[0], row.Values[1])],
        };
        foreach (var example in examples)
            foreach (int id in example.Ids)
                if (id < 0 || id >= _vocabulary)
                    throw new InvalidDataException(
                        $"{row.Where(_file)}: token id {id} ('{Describe(id)}') is beyond the model's vocabulary of {_vocabulary} (ids 0–{_vocabulary - 1}); " +
                        $"the {_tokenizer.Settings.Kind} tokenizer has {_tokenizer.VocabularySize} tokens, so it does not belong to this model.");
        return examples;
    }

    // Windows of the sequence length that overlap by one token, so every token after the first is a target exactly once
    // (the loss predicts position t+1 from t, and a window's first token is never a target).
    private List<TokenizedExample> Windows(TableRow row, SpecialTokenIds special)
    {
        var ids = new List<int>();
        if (special.AddBos && special.Bos is { } bos) ids.Add(bos);
        ids.AddRange(_tokenizer.Encode(row.Values[0]));
        if (special.AddEos && special.Eos is { } eos) ids.Add(eos);
        var windows = new List<TokenizedExample>();
        for (int start = 0; start == 0 || start + 1 < ids.Count; start += _length - 1)
        {
            var window = ids.GetRange(start, Math.Min(_length, ids.Count - start)).ToArray();
            windows.Add(new TokenizedExample(window, null, window, Ignore, row.Line, Truncated: false));
            if (start + _length >= ids.Count) break;
        }
        return windows;
    }

    private TokenizedExample Classification(TableRow row, SpecialTokenIds special)
    {
        long label = _labels.ClassOf(row.Values[_pair ? 2 : 1], row.Where(_file));
        var a = _tokenizer.Encode(row.Values[0]);
        var b = _pair ? _tokenizer.Encode(row.Values[1]) : null;
        int? first = special.Cls ?? (special.AddBos ? special.Bos : null);
        int? separator = special.Sep ?? (_pair ? special.Eos : null);
        int? last = special.AddEos && special.Eos != separator ? special.Eos : null;
        int fixedCount = (first is null ? 0 : 1) + (separator is null ? 0 : _pair ? 2 : 1) + (last is null ? 0 : 1);
        int budget = Math.Max(0, _length - fixedCount);
        int keepA = a.Count, keepB = b?.Count ?? 0;
        while (keepA + keepB > budget)
        {
            if (keepA >= keepB) keepA--;
            else keepB--;
        }
        var ids = new List<int>(_length);
        var types = new List<int>(_length);
        void Add(int id, int type) { if (ids.Count < _length) { ids.Add(id); types.Add(type); } }
        if (first is { } f) Add(f, 0);
        for (int i = 0; i < keepA; i++) Add(a[i], 0);
        if (separator is { } s) Add(s, 0);
        if (b is not null)
        {
            for (int i = 0; i < keepB; i++) Add(b[i], 1);
            if (separator is { } s2) Add(s2, 1);
        }
        if (last is { } l) Add(l, _pair ? 1 : 0);
        bool truncated = keepA < a.Count || keepB < (b?.Count ?? 0) || ids.Count < fixedCount;
        return new TokenizedExample([.. ids], _pair ? [.. types] : null, null, label, row.Line, truncated);
    }

    private TokenizedExample Sequence(TableRow row, SpecialTokenIds special, string? prompt, string text)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        if (special.AddBos && special.Bos is { } bos) { ids.Add(bos); labels.Add(prompt is null ? bos : Ignore); }
        if (prompt is not null)
            foreach (int id in _tokenizer.Encode(prompt)) { ids.Add(id); labels.Add(Ignore); }
        foreach (int id in _tokenizer.Encode(text)) { ids.Add(id); labels.Add(id); }
        if (special.AddEos && special.Eos is { } eos) { ids.Add(eos); labels.Add(eos); }
        bool truncated = ids.Count > _length;
        int n = Math.Min(ids.Count, _length);
        return new TokenizedExample([.. ids.GetRange(0, n)], null, [.. labels.GetRange(0, n)], Ignore, row.Line, truncated);
    }

    private string Describe(int id)
    {
        try { return id >= 0 && id < _tokenizer.VocabularySize ? _tokenizer.Decode([id]) : "?"; }
        catch (ArgumentException) { return "?"; }
    }
}

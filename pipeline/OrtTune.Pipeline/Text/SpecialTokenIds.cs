namespace OrtTune.Pipeline.Text;

/// <summary>Ids of a tokenizer's special tokens; null where the tokenizer has none (or the settings turn it off).</summary>
/// <param name="Pad">Always set: padding positions are masked (attention mask 0, label -100), so any id in the vocabulary works.</param>
/// <param name="AddBos">Put <paramref name="Bos"/> before the text.</param>
/// <param name="AddEos">Put <paramref name="Eos"/> after the text.</param>
public sealed record SpecialTokenIds(int? Bos, int? Eos, int Pad, int? Cls, int? Sep, bool AddBos, bool AddEos);

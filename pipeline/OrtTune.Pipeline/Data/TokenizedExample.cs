namespace OrtTune.Pipeline.Data;

/// <summary>One encoded example, already truncated to the sequence length (padding is added when batching).</summary>
/// <param name="Ids">Token ids, at most the sequence length.</param>
/// <param name="TypeIds">Segment of each token (0 first text, 1 pair text); null for single texts.</param>
/// <param name="TokenLabels">Per-token labels (-100 where ignored) for causal LM and prompt-response; null for classification.</param>
/// <param name="Label">Class index (classification); -100 otherwise.</param>
/// <param name="Line">Line of the file the example came from (for messages).</param>
/// <param name="Truncated">True when tokens were cut to fit the sequence length.</param>
public sealed record TokenizedExample(int[] Ids, int[]? TypeIds, int[]? TokenLabels, long Label, long Line, bool Truncated);

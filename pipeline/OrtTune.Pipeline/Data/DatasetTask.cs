namespace OrtTune.Pipeline.Data;

/// <summary>What an example is and what the loss learns from it.</summary>
public enum DatasetTask
{
    /// <summary>Text (and optionally a text pair) with one class label per example; labels input [batch].</summary>
    Classification,
    /// <summary>Plain text; labels are the input ids (the causal-LM loss shifts them by one), padding -100.</summary>
    CausalLM,
    /// <summary>Prompt then response; only response tokens are learned (prompt and padding labels are -100).</summary>
    PromptResponse,
}

public static class DatasetTasks
{
    /// <summary>Parses classification, causal-lm or prompt-response.</summary>
    public static DatasetTask Parse(string name) => name.ToLowerInvariant() switch
    {
        "classification" => DatasetTask.Classification,
        "causal-lm" or "causallm" => DatasetTask.CausalLM,
        "prompt-response" or "promptresponse" => DatasetTask.PromptResponse,
        _ => throw new InvalidDataException($"Unknown task '{name}'; use classification, causal-lm or prompt-response."),
    };
}

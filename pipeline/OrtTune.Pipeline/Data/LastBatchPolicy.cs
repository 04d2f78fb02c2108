namespace OrtTune.Pipeline.Data;

/// <summary>What happens to the examples left over when an epoch does not fill its last batch.</summary>
public enum LastBatchPolicy
{
    /// <summary>Leave them out of this epoch (with shuffling, other examples are left out next epoch). Training default: every step sees a full batch.</summary>
    Drop,
    /// <summary>Fill the batch with padding rows (attention mask 0, labels -100, not counted in Examples/Tokens). Evaluation default: every example counts.</summary>
    Pad,
}

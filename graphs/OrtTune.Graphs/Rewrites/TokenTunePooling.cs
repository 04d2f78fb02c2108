namespace OrtTune.Graphs.Rewrites;

/// <summary>What a classification head's mean pooling averages in TokenTune's training graph.</summary>
public enum TokenTunePooling
{
    /// <summary>
    /// The reference's training head: the mean of the selected tokens' final states, so every pooled term carries
    /// gradient (the eval graph and the export pool over all tokens, as the reference's evaluation does).
    /// </summary>
    Selected,

    /// <summary>The mean over all real tokens, unselected ones as constants: the training forward equals the unmodified model's.</summary>
    All,
}

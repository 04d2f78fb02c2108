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

    /// <summary>
    /// The selected tokens' states weighted by their mean-pooling weight over their chance of being selected: an
    /// unbiased estimate of the all-token mean the eval graph pools, where the plain mean of <see cref="Selected"/>
    /// over-weights the positions the rule always keeps (a causal model's first token, whose state is the same for
    /// every input). Every pooled term carries gradient.
    /// </summary>
    Unbiased,
}

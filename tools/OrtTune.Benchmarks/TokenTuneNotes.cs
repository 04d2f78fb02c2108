namespace OrtTune.Benchmarks;

/// <summary>The fixed explanatory text of docs/benchmarks/tokentune.md (what the measurement does and does not show).</summary>
internal static class TokenTuneNotes
{
    public const string Text = """
        - Where the memory goes. OrtTune's training graph keeps the unmodified forward over all n tokens as a no-grad
          branch; ONNX Runtime frees each of its tensors after the last forward reader, so only the grad branch's k-row
          activations, the k × n attention probabilities per head and the recombined keys and values of all n tokens
          (2·n·d per layer, as in the paper's implementation) stay alive for the backward pass.
        - What does not shrink with p: the weights, gradients and AdamW state (full fine-tuning holds 4 copies of every
          parameter), the per-layer keys/values of all tokens, and the forward pass itself, which still covers all n
          tokens. At batch 1 and sequence 512 the parameter state of a 110–135 M-parameter model is of the same order
          as the activations, so the total-peak ratio of LoRA + TokenTune is bounded by the resident weights; the paper's
          QLoRA figure (21 % vs 37 % of full fine-tuning) is for Llama-2-7B at sequence 2048 in 4-bit, where activations
          dominate.
        - Step time: the forward costs the same as without TokenTune (plus the grad branch's k rows computed a second
          time); the backward's dense products scale with k/n.
        """;
}

package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

import java.util.List;

/**
 * @param loss              mean cross-entropy of the next-token predictions (null without labels)
 * @param logits            [B, T, V + A]
 * @param pastKeyValues     the request's cache (null unless use_cache)
 * @param hiddenStates      see {@link IdeficsModelOutput#hiddenStates()}
 * @param imageHiddenStates [B, N, S, E]
 */
public record IdeficsCausalLMOutput(Double loss, Tensor logits, IdeficsCache pastKeyValues, List<Tensor> hiddenStates,
                                    Tensor imageHiddenStates, Tensor lastHiddenState) {
}

package org.idefics4j.model;

import org.idefics4j.engine.Tensor;

import java.util.List;

/**
 * @param lastHiddenState   [B, T, H] after the final norm
 * @param pastKeyValues     the request's cache (null unless use_cache)
 * @param hiddenStates      with output_hidden_states: the embeddings, the output of every layer but
 *                          the last, and the final normed output (L + 1 tensors); else null
 * @param imageHiddenStates [B, N, S, E] the image tokens the cross-attention saw
 */
public record IdeficsModelOutput(Tensor lastHiddenState, IdeficsCache pastKeyValues, List<Tensor> hiddenStates,
                                 Tensor imageHiddenStates) {
}

package org.idefics4j.processing;

import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.model.IdeficsInputs;

import java.util.List;

/**
 * What {@link IdeficsProcessor#process} returns: transformers' {@code BatchFeature} with the four
 * model inputs, plus the texts that were tokenized.
 *
 * @param inputIds                [B][L] token ids
 * @param attentionMask           [B][L] 1 = token, 0 = padding
 * @param pixelValues             [B, N, 3, S, S] normalised images; slots without an image are zeros
 * @param imageAttentionMask      [B][L][N] 1 where token t attends image n (at most one n per token)
 * @param imageAttentionMaskIsBool true when the batch has no image at all: transformers then returns
 *                                the mask as bool zeros [B, L, 1] instead of int64
 * @param fullTexts               per row, the prompt text given to the tokenizer ({@code <s>User:<fake_token_around_image>...})
 */
public record BatchFeature(int[][] inputIds, int[][] attentionMask, Tensor pixelValues, int[][][] imageAttentionMask,
                           boolean imageAttentionMaskIsBool, List<String> fullTexts) {

    public int batchSize() {
        return inputIds.length;
    }

    public int sequenceLength() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** N: image slots per row (at least 1). */
    public int numImages() {
        return pixelValues.dim(1);
    }

    /** The model's forward / generate arguments. */
    public IdeficsInputs toInputs() {
        return new IdeficsInputs()
                .inputIds(inputIds)
                .attentionMask(attentionMask)
                .pixelValues(pixelValues)
                .imageAttentionMask(imageAttentionMask);
    }

    /**
     * The tensors under transformers' names and dtypes: {@code input_ids}, {@code attention_mask}
     * (I64), {@code pixel_values} (F32), {@code image_attention_mask} (I64, or BOOL without images).
     */
    public List<StoredTensor> toStoredTensors() {
        int b = batchSize(), l = sequenceLength(), n = numImages();
        StoredTensor mask;
        if (imageAttentionMaskIsBool) {
            byte[] bytes = new byte[b * l * n];
            int i = 0;
            for (int[][] row : imageAttentionMask) for (int[] t : row) for (int v : t) bytes[i++] = (byte) (v != 0 ? 1 : 0);
            mask = StoredTensor.ofBytes("image_attention_mask", DType.BOOL, new int[]{b, l, n}, bytes);
        } else {
            long[] v = new long[b * l * n];
            int i = 0;
            for (int[][] row : imageAttentionMask) for (int[] t : row) for (int x : t) v[i++] = x;
            mask = StoredTensor.ofLongs("image_attention_mask", v, b, l, n);
        }
        return List.of(
                StoredTensor.ofLongs("input_ids", flatten(inputIds), b, l),
                StoredTensor.ofLongs("attention_mask", flatten(attentionMask), b, l),
                StoredTensor.ofFloats("pixel_values", pixelValues),
                mask);
    }

    private static long[] flatten(int[][] a) {
        int l = a.length == 0 ? 0 : a[0].length;
        long[] out = new long[a.length * l];
        for (int r = 0; r < a.length; r++) for (int c = 0; c < l; c++) out[r * l + c] = a[r][c];
        return out;
    }
}

package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** tie_word_embeddings: the LM head is the embedding matrix, and a checkpoint may omit lm_head.weight. */
class TiedEmbeddingsTest {
    @TempDir
    Path dir;

    @Test
    void tiedHeadUsesTheEmbeddingsAndToleratesAMissingHead() throws IOException {
        Path src = Fixture.root().resolve("resampler_qknorm_vector_interval2_addvocab/model");
        String config = Files.readString(src.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true"));
        List<StoredTensor> keep = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            f.tensors().forEach((k, v) -> {
                if (!k.startsWith("lm_head.")) keep.add(v);
            });
            SafetensorsWriter.write(dir.resolve("model.safetensors"), keep, Map.of());
        }
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(dir);
        Fixture fx = new Fixture("resampler_qknorm_vector_interval2_addvocab");
        IdeficsCausalLMOutput out = m.forward(ForwardGoldenTest.promptInputs(fx));
        Tensor h = out.lastHiddenState(), logits = out.logits();
        IdeficsConfig c = m.config();
        int hidden = c.hiddenSize, v = c.vocabSize + c.additionalVocabSize, t = h.dim(1);
        StoredTensor base = m.stateDict().get("model.embed_tokens.weight");
        StoredTensor extra = m.stateDict().get("model.embed_tokens.additional_embedding.weight");
        int pos = t - 1;
        for (int id : new int[]{0, 7, c.vocabSize - 1, c.vocabSize, v - 1}) {
            double dot = 0;
            for (int k = 0; k < hidden; k++) {
                float w = id < c.vocabSize ? base.getFloat((long) id * hidden + k) : extra.getFloat((long) (id - c.vocabSize) * hidden + k);
                dot += w * h.data()[pos * hidden + k];
            }
            assertEquals(dot, logits.data()[pos * v + id], 1e-4, "logit of token " + id + " is h · embedding row");
        }
    }
}

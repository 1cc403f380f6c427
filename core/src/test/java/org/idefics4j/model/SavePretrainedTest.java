package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.safetensors.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** save_pretrained writes what from_pretrained (ours and transformers') reads: same names, dtypes, values. */
class SavePretrainedTest {
    @TempDir
    Path dir;

    @Test
    void shardedBf16CheckpointRoundTripsBitForBit() throws IOException {
        Fixture f = new Fixture("bf16_sharded_legacy_keys");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromPretrained(f.modelDir());
        m.savePretrained(dir, 60_000); // small shards, as the fixture has
        assertTrue(Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        try (var files = Files.list(dir)) {
            var shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).toList();
            assertTrue(shards.size() > 1, "sharded");
            for (Path shard : shards) {
                try (var sf = org.idefics4j.engine.safetensors.SafetensorsFile.open(shard)) {
                    long bytes = sf.tensors().values().stream().mapToLong(t -> t.segment().byteSize()).sum();
                    assertTrue(bytes <= 60_000 || sf.tensors().size() == 1, shard + " holds " + bytes + " bytes");
                }
            }
        }
        try (Checkpoint original = Checkpoint.open(f.modelDir()); Checkpoint saved = Checkpoint.open(dir)) {
            for (Map.Entry<String, StoredTensor> e : original.tensors().entrySet()) {
                if (e.getKey().endsWith("rotary_emb.inv_freq")) {
                    assertTrue(!saved.contains(e.getKey()), "legacy buffers are not written back");
                    continue;
                }
                StoredTensor s = saved.get(e.getKey());
                assertEquals(e.getValue().dtype(), s.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), s.shape(), e.getKey());
                assertArrayEquals(e.getValue().segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        s.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), e.getKey());
            }
        }
        IdeficsForVisionText2Text again = IdeficsForVisionText2Text.fromPretrained(dir);
        IdeficsInputs in = ForwardGoldenTest.promptInputs(f);
        assertArrayEquals(m.forward(in).logits().data(), again.forward(in).logits().data());
    }

    @Test
    void smallCheckpointIsOneFile() {
        Fixture f = new Fixture("tiny_default");
        IdeficsForVisionText2Text.fromPretrained(f.modelDir()).savePretrained(dir, 5_000_000_000L);
        assertTrue(Files.exists(dir.resolve("model.safetensors")) && !Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        IdeficsForVisionText2Text.fromPretrained(dir);
    }
}

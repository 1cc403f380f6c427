package org.idefics4j.model;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.safetensors.Checkpoint;
import org.idefics4j.engine.safetensors.SafetensorsException;
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
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad checkpoints get one clear error naming the file and the tensor or key. */
class CheckpointErrorsTest {
    @TempDir
    Path dir;

    /** A copy of the tiny_default checkpoint, its tensors filtered, its config edited. */
    private Path copy(Predicate<String> keep, String configFrom, String configTo) throws IOException {
        Path src = Fixture.root().resolve("tiny_default/model");
        String config = Files.readString(src.resolve("config.json"));
        if (configFrom != null) {
            assertTrue(config.contains(configFrom), "test setup: config has " + configFrom);
            config = config.replace(configFrom, configTo);
        }
        Files.writeString(dir.resolve("config.json"), config);
        List<StoredTensor> tensors = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"))) {
            f.tensors().forEach((k, v) -> {
                if (keep.test(k)) tensors.add(v);
            });
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
        return dir;
    }

    private static String message(Class<? extends RuntimeException> type, Path folder) {
        return assertThrows(type, () -> IdeficsForVisionText2Text.fromPretrained(folder)).getMessage();
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        Path p = copy(k -> !k.equals("model.layers.1.mlp.up_proj.weight"), null, null);
        String m = message(CheckpointException.class, p);
        assertTrue(m.contains("missing tensor 'model.layers.1.mlp.up_proj.weight'") && m.contains("[37, 32]"), m);
    }

    @Test
    void shapeThatContradictsTheConfigIsNamed() throws IOException {
        Path p = copy(k -> true, "\"intermediate_size\": 37", "\"intermediate_size\": 40");
        String m = message(CheckpointException.class, p);
        assertTrue(m.contains("model.safetensors") && m.contains("has shape [37, 32] but config.json implies [40, 32]"), m);
    }

    @Test
    void tensorsTheConfigDoesNotExplainAreReported() throws IOException {
        Path p = copy(k -> true, "\"num_hidden_layers\": 4", "\"num_hidden_layers\": 2");
        String m = message(CheckpointException.class, p);
        assertTrue(m.contains("does not account for") && m.contains("model."), m);
    }

    @Test
    void configWithAWrongTypeIsNamed() throws IOException {
        Path p = copy(k -> true, "\"hidden_size\": 32", "\"hidden_size\": \"32\"");
        String m = message(ConfigException.class, p);
        assertTrue(m.contains("config.json") && m.contains("'hidden_size' must be an integer"), m);
    }

    @Test
    void nestedConfigWithAWrongTypeIsNamed() throws IOException {
        Path p = copy(k -> true, "\"patch_size\": 2", "\"patch_size\": 2.5");
        String m = message(ConfigException.class, p);
        assertTrue(m.contains("vision_config") && m.contains("'patch_size' must be an integer"), m);
    }

    @Test
    void truncatedWeightsFileIsNamed() throws IOException {
        Path p = copy(k -> true, null, null);
        Path f = p.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        String m = message(SafetensorsException.class, p);
        assertTrue(m.contains("model.safetensors") && m.contains("truncated"), m);
    }

    @Test
    void missingFolderAndFilesAreReported() throws IOException {
        assertTrue(message(ConfigException.class, dir.resolve("nope")).contains("no such file"));
        Files.writeString(dir.resolve("config.json"), "{}");
        assertTrue(message(SafetensorsException.class, dir).contains("no model.safetensors"));
    }

    @Test
    void shardIndexNamingAMissingShardIsReported() throws IOException {
        Files.copy(Fixture.root().resolve("bf16_sharded_legacy_keys/model/config.json"), dir.resolve("config.json"));
        Path src = Fixture.root().resolve("bf16_sharded_legacy_keys/model");
        for (String n : new String[]{"model.safetensors.index.json", "model-00001-of-00003.safetensors",
                "model-00002-of-00003.safetensors"}) {
            Files.copy(src.resolve(n), dir.resolve(n));
        }
        String m = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir)).getMessage();
        assertTrue(m.contains("model-00003-of-00003.safetensors") && m.contains("does not exist"), m);
    }
}

package org.idefics4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json read and written as transformers does: defaults, nested sub-configs, unknown keys kept. */
class IdeficsConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreThoseOfTheDocumentation() {
        IdeficsConfig c = IdeficsConfig.fromJson("{}", "test");
        assertEquals(32000, c.vocabSize);
        assertEquals(0, c.additionalVocabSize);
        assertEquals(4096, c.hiddenSize);
        assertEquals(11008, c.intermediateSize);
        assertEquals(32, c.numHiddenLayers);
        assertEquals(32, c.numAttentionHeads);
        assertEquals("silu", c.hiddenAct);
        assertEquals("zeros", c.alphaInitializer);
        assertEquals("float", c.alphaType);
        assertEquals(1e-6, c.rmsNormEps);
        assertEquals(1, c.crossLayerInterval);
        assertTrue(c.freezeTextLayers && c.freezeVisionLayers && !c.freezeLmHead && !c.useResampler && !c.qkLayerNorms);
        assertEquals(768, c.visionConfig.embedDim);
        assertEquals("gelu", c.visionConfig.hiddenAct);
        assertEquals(5120, c.visionConfig.intermediateSize);
        assertEquals(64, c.perceiverConfig.resamplerNLatents);
        assertEquals(96, c.perceiverConfig.resamplerHeadDim);
    }

    @Test
    void everyFixtureConfigRoundTripsWithUnknownKeysKept() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String name : Fixture.MODEL_CASES) {
            Path file = Fixture.root().resolve(name).resolve("model/config.json");
            IdeficsConfig c = IdeficsConfig.fromPretrained(file.getParent());
            Path out = dir.resolve(name);
            c.saveTo(out);
            JsonNode original = json.readTree(file.toFile());
            JsonNode written = json.readTree(out.resolve("config.json").toFile());
            // every key of the original is written back with its value (defaults are added)
            original.fields().forEachRemaining(e -> {
                if (e.getValue().isObject()) {
                    e.getValue().fields().forEachRemaining(s -> assertEquals(s.getValue().asText(),
                            written.get(e.getKey()).get(s.getKey()).asText(), name + " " + e.getKey() + "." + s.getKey()));
                } else {
                    assertEquals(e.getValue().asText(), written.get(e.getKey()).asText(), name + " " + e.getKey());
                }
            });
            IdeficsConfig again = IdeficsConfig.fromPretrained(out);
            assertEquals(c.toJsonString(), again.toJsonString());
        }
    }

    @Test
    void visionHiddenSizeIsAnAliasOfEmbedDim() {
        IdeficsConfig c = IdeficsConfig.fromJson("{\"vision_config\": {\"hidden_size\": 1280}}", "test");
        assertEquals(1280, c.visionConfig.embedDim);
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(assertThrows(ConfigException.class, () -> IdeficsConfig.fromJson("{\"alpha_type\": \"matrix\"}", "c.json"))
                .getMessage().contains("alpha_type"));
        assertTrue(assertThrows(ConfigException.class, () -> IdeficsConfig.fromJson("{\"use_resampler\": 1}", "c.json"))
                .getMessage().contains("'use_resampler' must be true or false"));
        assertTrue(assertThrows(ConfigException.class,
                () -> IdeficsConfig.fromJson("{\"freeze_text_module_exceptions\": [\"Conv\"]}", "c.json")).getMessage()
                .contains("freeze_text_module_exceptions"));
        assertTrue(assertThrows(ConfigException.class, () -> IdeficsConfig.fromJson("{\"hidden_act\": \"swiglu2\"}", "c.json"))
                .getMessage().contains("hidden_act"));
        assertTrue(assertThrows(ConfigException.class, () -> IdeficsConfig.fromJson("{\"vision_config\": 3}", "c.json"))
                .getMessage().contains("'vision_config' must be an object"));
        assertTrue(assertThrows(ConfigException.class, () -> IdeficsConfig.fromJson("[1]", "c.json"))
                .getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(ConfigException.class,
                () -> IdeficsConfig.fromJson("{\"num_hidden_layers\": 5, \"cross_layer_interval\": 2}", "c.json")).getMessage()
                .contains("not a multiple of cross_layer_interval"));
        assertEquals(List.of(), IdeficsConfig.fromJson("{}", "t").freezeTextModuleExceptions);
    }
}

package org.idefics4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code generate --inputs ... --json} prints the reference's bad-words sequences exactly. */
class GenerateCommandTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tiny_default", "resampler_qknorm_vector_interval2_addvocab", "bf16_sharded_legacy_keys"})
    void printsTheReferenceSequences(String name) throws Exception {
        Path fx = ForwardCommandTest.FIXTURES.resolve(name);
        List<StoredTensor> list = new ArrayList<>();
        Path in = dir.resolve("in.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(fx.resolve("inputs.safetensors"))) {
            for (String k : List.of("input_ids", "attention_mask", "pixel_values", "image_attention_mask")) list.add(f.get(k));
            SafetensorsWriter.write(in, list, Map.of());
        }
        JsonNode gen = new ObjectMapper().readTree(fx.resolve("case.json").toFile()).get("generation");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(buf, true));
            code = ForwardCommandTest.run(err, "generate", "--model", fx.resolve("model").toString(), "--inputs", in.toString(),
                    "--max-new-tokens", gen.get("max_new_tokens").asText(), "--eos-token-id", gen.get("eos_token_id").asText(),
                    "--bad-words-ids", gen.get("bad_words_ids").toString(), "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, err.toString());
        JsonNode out = new ObjectMapper().readTree(buf.toString());
        assertEquals(gen.get("bad_words").get("sequences"), out.get("sequences"));
    }
}

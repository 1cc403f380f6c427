package org.idefics4j.cli;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idefics4j forward} end to end on the fixtures: the written logits and loss equal the
 * reference within the fixtures README tolerances (1e-4 on rows with attention_mask = 1; 1e-5 loss).
 */
class ForwardCommandTest {
    static final Path FIXTURES = Path.of("../core/src/test/resources/fixtures");

    @TempDir
    Path dir;

    /** The case's prompt tensors, under the forward argument names. */
    private Path inputs(String name) {
        List<StoredTensor> list = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(FIXTURES.resolve(name).resolve("inputs.safetensors"))) {
            for (String k : List.of("input_ids", "attention_mask", "pixel_values", "image_attention_mask", "labels")) {
                list.add(f.get(k));
            }
            Path p = dir.resolve("in.safetensors");
            SafetensorsWriter.write(p, list, Map.of());
            return p;
        }
    }

    static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny_default", "resampler_qknorm_vector_interval2_addvocab", "bf16_sharded_legacy_keys"})
    void writesReferenceLogitsAndLoss(String name) {
        Path out = dir.resolve("out.safetensors");
        StringWriter err = new StringWriter();
        int code = run(err, "forward", "--model", FIXTURES.resolve(name).resolve("model").toString(),
                "--inputs", inputs(name).toString(), "--out", out.toString(), "--hidden-states");
        assertEquals(0, code, err.toString());
        try (SafetensorsFile o = SafetensorsFile.open(out);
             SafetensorsFile e = SafetensorsFile.open(FIXTURES.resolve(name).resolve("expected.safetensors"));
             SafetensorsFile in = SafetensorsFile.open(FIXTURES.resolve(name).resolve("inputs.safetensors"))) {
            Tensor logits = o.get("logits").toTensor(), expected = e.get("forward.logits").toTensor();
            long[] mask = in.get("attention_mask").toLongArray();
            int v = logits.dim(2);
            double max = 0;
            for (int r = 0; r < mask.length; r++) {
                if (mask[r] == 0) continue;
                for (int k = 0; k < v; k++) max = Math.max(max, Math.abs(logits.data()[r * v + k] - expected.data()[r * v + k]));
            }
            assertTrue(max <= 1e-4, "logits max abs diff " + max);
            assertEquals(e.get("forward.loss").getFloat(0), o.get("loss").getFloat(0), 1e-5);
            assertTrue(o.contains("last_hidden_state") && o.contains("image_hidden_states") && o.contains("hidden_states.0"));
        }
    }

    @Test
    void unknownInputTensorIsAClearError() {
        Path in = dir.resolve("bad.safetensors");
        SafetensorsWriter.writeFloats(in, Map.of("pixel_value", Tensor.zeros(1)), Map.of());
        StringWriter err = new StringWriter();
        int code = run(err, "forward", "--model", FIXTURES.resolve("tiny_default/model").toString(),
                "--inputs", in.toString(), "--out", dir.resolve("o.safetensors").toString());
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("error: ") && err.toString().contains("unknown input tensor 'pixel_value'"),
                err.toString());
        assertTrue(!dir.resolve("o.safetensors").toFile().exists(), "no output written on error");
    }

    @Test
    void missingModelFolderIsAClearError() {
        StringWriter err = new StringWriter();
        int code = run(err, "forward", "--model", dir.resolve("nope").toString(), "--inputs", "x", "--out", "y");
        assertEquals(1, code);
        assertTrue(err.toString().contains("nope") && err.toString().contains("no such file"), err.toString());
    }
}

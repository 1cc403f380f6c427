package org.idefics4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code inspect} counts exactly the parameters transformers counts (case.json → num_parameters). */
class InspectCommandTest {
    @Test
    void totalParameterCountMatchesTransformers() throws Exception {
        var fx = ForwardCommandTest.FIXTURES.resolve("resampler_qknorm_vector_interval2_addvocab");
        long expected = new ObjectMapper().readTree(fx.resolve("case.json").toFile()).get("num_parameters").asLong();
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(buf, true));
            code = ForwardCommandTest.run(err, "inspect", "--model", fx.resolve("model").toString());
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, err.toString());
        String text = buf.toString();
        String totalLine = text.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
        assertTrue(totalLine.contains(String.format("%,d", expected)), totalLine + " vs " + expected);
        assertTrue(text.contains("perceiver resampler") && text.contains("gated cross-attention"), text);
    }
}

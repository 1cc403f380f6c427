package org.idefics4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --image --prompt}: the README's first command, and its errors. */
class GeneratePromptCommandTest {
    @TempDir
    static Path cache;

    @BeforeAll
    static void privateCache() {
        System.setProperty("idefics4j.cache", cache.toString());
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try {
            System.setOut(new PrintStream(buf, true));
            int code = ForwardCommandTest.run(err, args);
            return new Run(code, buf.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void theEmbeddedModelAnswersAboutTheBundledImage() throws Exception {
        Run r = run("generate", "--image", "../examples/photo.jpg", "--prompt", "What is in this picture?", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode out = new ObjectMapper().readTree(r.out());
        assertTrue(out.get("text").isTextual());
        int n = out.get("tokens").size();
        assertTrue(n >= 1 && n <= 24, "max_new_tokens of the embedded generation_config is 24: " + n);
        for (JsonNode t : out.get("tokens")) assertTrue(t.asInt() < 32000 || t.asInt() > 32002, "no image or stop token");

        Run streamed = run("generate", "--image", "../examples/photo.jpg", "--prompt", "What is in this picture?");
        assertEquals(0, streamed.code(), streamed.err());
        assertEquals(out.get("text").asText(), streamed.out().strip(), "streaming prints the same answer");
    }

    @Test
    void badInputsAreClearErrors(@TempDir Path dir) throws Exception {
        Path notAnImage = dir.resolve("notes.png");
        Files.writeString(notAnImage, "hello");
        Run r = run("generate", "--image", notAnImage.toString(), "--prompt", "Hi");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("notes.png"), r.err());

        r = run("generate", "--image", "missing.jpg", "--prompt", "Hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("image file not found: missing.jpg"), r.err());

        r = run("generate", "--model", dir.resolve("no-model").toString(), "--prompt", "Hi");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no-model"), r.err());

        r = run("generate", "--prompt", "Hi", "--temprature", "0.5");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--temprature"), r.err());

        r = run("generate", "--image", "../examples/photo.jpg");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--prompt"), r.err());
    }
}

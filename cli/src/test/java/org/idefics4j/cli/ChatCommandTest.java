package org.idefics4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code chat}: a scripted conversation with the embedded model, its commands and its errors. */
class ChatCommandTest {
    @TempDir
    static Path cache;

    @BeforeAll
    static void privateCache() {
        System.setProperty("idefics4j.cache", cache.toString());
    }

    @Test
    void scriptedConversation() {
        String script = "/image ../examples/photo.jpg\nWhat is this?\n/image missing.png\n/nope\nAnd now?\n/reset\n/quit\n";
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = ForwardCommandTest.run(new StringWriter(), "chat", "--max-new-tokens", "4");
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("(image added to your next message)"), out);
        assertEquals(2, out.split("Assistant: ", -1).length - 1, "two answers: " + out);
        assertTrue(out.contains("error: image file not found: missing.png"), out);
        assertTrue(out.contains("unknown command /nope"), out);
        assertTrue(out.contains("(conversation cleared)"), out);
    }
}

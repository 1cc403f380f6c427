package org.idefics4j.generation;

import org.idefics4j.processing.tokenizer.LlamaTokenizer;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Streamed text deltas add up to the decoded text and never show half a character. */
class TextStreamerTest {
    @Test
    void deltasAreUtf8SafeAndAddUpToTheDecode() throws URISyntaxException {
        LlamaTokenizer tok = LlamaTokenizer.from(Path.of(getClass().getResource("/tokenizers/idefics").toURI()));
        String text = "Un chat 🐱 sur l'herbe — 日本語のテキスト, ok.";
        int[] ids = tok.encode(text, false);
        List<String> deltas = new ArrayList<>();
        TextStreamer s = new TextStreamer(x -> tok.decode(x, true), deltas::add, 0, id -> id == 2);
        for (int id : ids) s.put(new int[]{id});
        s.put(new int[]{2});
        s.end();
        assertEquals(tok.decode(ids, true), String.join("", deltas));
        for (String d : deltas) assertFalse(d.contains("\uFFFD"), "no replacement character in " + deltas);
        // the emoji and the Japanese characters come as byte-fallback pieces: fewer deltas than tokens
        assertEquals(true, deltas.size() < ids.length);
    }
}

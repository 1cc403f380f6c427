package org.idefics4j.processing;

import org.idefics4j.processing.tokenizer.BatchOptions.Padding;
import org.idefics4j.processing.tokenizer.BatchOptions.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON request of {@code idefics4j process}: prompts, options by transformers names, clear errors. */
class ProcessorRequestTest {
    @TempDir
    Path dir;

    ProcessorRequest read(String json) throws Exception {
        Path f = dir.resolve("req.json");
        Files.writeString(f, json);
        return ProcessorRequest.read(f);
    }

    IllegalArgumentException error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> read(json));
    }

    @Test
    void singlePromptWithRelativeImageAndUrl() throws Exception {
        ProcessorRequest r = read("""
                {"prompts": ["User:", {"image": "imgs/cat.png"}, {"image": "https://example.com/x.jpg"}, "Hi"]}""");
        assertEquals(List.of("User:", dir.toAbsolutePath().resolve("imgs/cat.png"), "https://example.com/x.jpg", "Hi"),
                r.prompts());
        IdeficsProcessor.CallOptions o = r.options();
        assertNull(o.padding());
        assertNull(o.truncation());
        assertNull(o.maxLength());
        assertNull(o.addEndOfUtteranceToken());
        assertFalse(o.addEosToken() || o.debug());
    }

    @Test
    void batchAndAllOptions() throws Exception {
        ProcessorRequest r = read("""
                {"prompts": [["a"], ["b", {"image": "/abs/x.png"}]], "padding": "max_length", "truncation": true,
                 "max_length": 32, "add_eos_token": true, "add_end_of_utterance_token": false, "debug": true,
                 "padding_side": "right", "return_tensors": "pt"}""");
        assertEquals(List.of(List.of("a"), List.of("b", Path.of("/abs/x.png"))), r.prompts());
        var o = r.options();
        assertEquals(Padding.MAX_LENGTH, o.padding());
        assertEquals(true, o.truncation());
        assertEquals(32, o.maxLength());
        assertTrue(o.addEosToken() && o.debug());
        assertEquals(false, o.addEndOfUtteranceToken());
        assertEquals(Side.RIGHT, o.paddingSide());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"false|DO_NOT_PAD", "true|LONGEST", "\"longest\"|LONGEST",
            "\"max_length\"|MAX_LENGTH", "\"do_not_pad\"|DO_NOT_PAD"})
    void paddingValues(String json, Padding want) throws Exception {
        assertEquals(want, read("{\"prompts\": [\"a\"], \"padding\": " + json + "}").options().padding());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"true|true", "false|false", "\"longest_first\"|true", "\"only_first\"|true",
            "\"do_not_truncate\"|false"})
    void truncationValues(String json, boolean want) throws Exception {
        assertEquals(want, read("{\"prompts\": [\"a\"], \"truncation\": " + json + "}").options().truncation());
    }

    @Test
    void badRequestsNameTheKeyAndFile() {
        String file = dir.resolve("req.json").toString();
        for (String[] c : new String[][]{
                {"{\"prompts\": [\"a\"], \"paddding\": true}", "unknown key \"paddding\""},
                {"{\"padding\": true}", "missing key \"prompts\""},
                {"{\"prompts\": []}", "\"prompts\" must be a non-empty list"},
                {"{\"prompts\": [[\"a\"], \"b\"]}", "prompts[1] must be a list"},
                {"{\"prompts\": [\"a\", 3]}", "prompts[1]: an item must be a string"},
                {"{\"prompts\": [{\"img\": \"x.png\"}]}", "prompts[0]: an object item must be {\"image\""},
                {"{\"prompts\": [{\"image\": 5}]}", "\"image\" must be a non-empty string"},
                {"{\"prompts\": [\"a\"], \"padding\": \"left\"}", "\"padding\" must be"},
                {"{\"prompts\": [\"a\"], \"truncation\": \"only_second\"}", "\"truncation\" must be"},
                {"{\"prompts\": [\"a\"], \"max_length\": -1}", "\"max_length\" must be a non-negative integer"},
                {"{\"prompts\": [\"a\"], \"max_length\": 1.5}", "\"max_length\" must be a non-negative integer"},
                {"{\"prompts\": [\"a\"], \"debug\": \"yes\"}", "\"debug\" must be true or false"},
                {"{\"prompts\": [\"a\"], \"padding_side\": \"top\"}", "\"padding_side\" must be"},
                {"{\"prompts\": [\"a\"], \"return_tensors\": \"tf\"}", "\"return_tensors\" can only be \"pt\""},
                {"[1, 2]", "expected a JSON object"},
                {"{\"prompts\": [\"a\"", "not valid JSON"}}) {
            IllegalArgumentException e = error(c[0]);
            assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(c[1]), c[0] + " → " + e.getMessage());
        }
    }

    @Test
    void missingRequestFile() {
        var e = assertThrows(IllegalArgumentException.class, () -> ProcessorRequest.read(dir.resolve("nope.json")));
        assertTrue(e.getMessage().contains("request file not found") && e.getMessage().contains("nope.json"), e.getMessage());
    }
}

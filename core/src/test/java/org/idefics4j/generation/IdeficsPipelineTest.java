package org.idefics4j.generation;

import org.idefics4j.engine.DType;
import org.idefics4j.model.Fixture;
import org.idefics4j.model.IdeficsConfig;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.LoadOptions;
import org.idefics4j.processing.BatchFeature;
import org.idefics4j.processing.IdeficsProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A hub-style folder (model + tokenizer + image processor) behind one call, with the instruct chat format. */
class IdeficsPipelineTest {
    @TempDir
    Path dir;

    /** A tiny random model with the real 32,003-token vocabulary, saved with the given tokenizer. */
    private Path folder(String tokenizer, int additional) throws IOException {
        IdeficsConfig c = IdeficsConfig.fromJson("""
                {"vocab_size": 32000, "additional_vocab_size": %d, "hidden_size": 8, "intermediate_size": 16,
                 "num_hidden_layers": 1, "num_attention_heads": 2, "initializer_range": 0.5,
                 "vision_config": {"embed_dim": 8, "image_size": 224, "patch_size": 56, "num_hidden_layers": 1,
                                   "num_attention_heads": 2, "intermediate_size": 16}}""".formatted(additional), "test");
        Path out = dir.resolve(tokenizer);
        IdeficsForVisionText2Text.fromConfig(c, DType.F32, 3).savePretrained(out, Long.MAX_VALUE);
        Path tok = Path.of(Fixture.root().getParent().resolve("tokenizers").resolve(tokenizer).toString());
        try (var files = Files.list(tok)) {
            for (Path f : files.toList()) if (!f.getFileName().toString().endsWith(".md")) Files.copy(f, out.resolve(f.getFileName()));
        }
        Files.copy(Fixture.root().resolve("image_processor/preprocessor_config.json"), out.resolve("preprocessor_config.json"));
        return out;
    }

    private static Path image() {
        return Fixture.root().resolve("processor/img_a.png");
    }

    @Test
    void instructCheckpointsGetTheChatFormatAndItsStopToken() throws IOException {
        IdeficsPipeline p = IdeficsPipeline.fromPretrained(folder("idefics", 3), LoadOptions.DEFAULT);
        assertTrue(p.isInstruct());
        List<Object> items = p.prompt(List.of(IdeficsPipeline.Turn.user(List.of(image()), "Describe it."),
                IdeficsPipeline.Turn.assistant("A cat."), IdeficsPipeline.Turn.user(List.of(), "Its colour?")));
        BatchFeature b = p.processor().process(items, IdeficsProcessor.CallOptions.defaults().withAddEndOfUtteranceToken(false));
        assertEquals("<s>User:<fake_token_around_image><image><fake_token_around_image>Describe it.<end_of_utterance>"
                + "\nAssistant: A cat.<end_of_utterance>\nUser: Its colour?<end_of_utterance>\nAssistant:", b.fullTexts().get(0));
        GenerationConfig g = p.generationConfig();
        assertTrue(g.eosTokenId.contains(32002) && g.eosTokenId.contains(2), "stops at <end_of_utterance> and </s>");
        assertEquals(2, g.badWordsIds.size());
        assertArrayEquals(new int[]{32001}, g.badWordsIds.get(0));
        assertArrayEquals(new int[]{32000}, g.badWordsIds.get(1));

        g.maxNewTokens = 5;
        List<String> deltas = new ArrayList<>();
        IdeficsPipeline.Answer a = p.chat(List.of(IdeficsPipeline.Turn.user(List.of(image()), "Describe it.")), g, deltas::add);
        assertTrue(a.tokens().length <= 5);
        for (int t : a.tokens()) assertFalse(t == 32000 || t == 32001 || t == 32002, "banned or stop token in the answer");
        assertEquals(a.text(), String.join("", deltas).strip());
    }

    @Test
    void baseCheckpointsContinueThePlainText() throws IOException {
        IdeficsPipeline p = IdeficsPipeline.fromPretrained(folder("idefics-base", 2), LoadOptions.DEFAULT);
        assertFalse(p.isInstruct());
        List<Object> items = p.prompt(List.of(IdeficsPipeline.Turn.user(List.of(image()), "A photo of")));
        assertEquals(List.of(image(), "A photo of"), items);
        assertFalse(p.generationConfig().eosTokenId.contains(32002));
    }

    @Test
    void promptLongerThanTheContextIsRefused() throws IOException {
        IdeficsPipeline p = IdeficsPipeline.fromPretrained(folder("idefics", 3), LoadOptions.DEFAULT);
        String longText = "word ".repeat(2100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.generate(List.of(longText), p.generationConfig(), null));
        assertTrue(e.getMessage().contains("the model's context is 2048"), e.getMessage());
    }

    @Test
    void savedFolderLoadsAndAnswersTheSame() throws IOException {
        Path src = folder("idefics", 3);
        IdeficsPipeline p = IdeficsPipeline.fromPretrained(src, LoadOptions.DEFAULT);
        Path copy = dir.resolve("copy");
        p.savePretrained(copy, Long.MAX_VALUE);
        for (String f : new String[]{"config.json", "generation_config.json", "model.safetensors", "preprocessor_config.json",
                "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}) {
            assertTrue(Files.isRegularFile(copy.resolve(f)), f);
        }
        IdeficsPipeline q = IdeficsPipeline.fromPretrained(copy, LoadOptions.DEFAULT);
        GenerationConfig g = p.generationConfig();
        g.maxNewTokens = 4;
        List<Object> prompt = p.prompt(List.of(IdeficsPipeline.Turn.user(List.of(image()), "Hi")));
        assertArrayEquals(p.generate(prompt, g, null).tokens(), q.generate(prompt, g, null).tokens());
    }
}

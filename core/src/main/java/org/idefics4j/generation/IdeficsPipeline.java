package org.idefics4j.generation;

import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import org.idefics4j.model.LoadOptions;
import org.idefics4j.processing.BatchFeature;
import org.idefics4j.processing.IdeficsProcessor;
import org.idefics4j.processing.tokenizer.LlamaTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Images and a question in, the answer out (streamed): a checkpoint folder as the Hugging Face hub
 * holds it — model, tokenizer, image processor, generation config — behind one call. Instruct
 * checkpoints (whose tokenizer has {@code <end_of_utterance>}) get the chat format by default:
 * {@code User:<images>question<end_of_utterance>\nAssistant:}, generation stops at
 * {@code <end_of_utterance>} and the image tokens are banned, as the model card does it.
 */
public final class IdeficsPipeline {
    private final IdeficsForVisionText2Text model;
    private final IdeficsProcessor processor;
    private final GenerationConfig generationConfig;
    private final GenerationConfig storedGenerationConfig;
    private Path source;

    /** The tokenizer files a hub folder holds; copied as they are by {@link #savePretrained}. */
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer.model",
            "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json");

    /** A conversation turn: who speaks, the images they show (files, URLs, images), what they say. */
    public record Turn(String role, List<Object> images, String text) {
        public static Turn user(List<Object> images, String text) {
            return new Turn("User", images, text);
        }

        public static Turn assistant(String text) {
            return new Turn("Assistant", List.of(), text);
        }
    }

    /** The answer: its text and the generated token ids. */
    public record Answer(String text, int[] tokens) {
    }

    public IdeficsPipeline(IdeficsForVisionText2Text model, IdeficsProcessor processor, GenerationConfig generationConfig) {
        this.model = model;
        this.processor = processor;
        this.storedGenerationConfig = generationConfig.copy();
        this.generationConfig = withInstructDefaults(generationConfig);
    }

    /** Loads model, processor and generation config from one folder. */
    public static IdeficsPipeline fromPretrained(Path folder, LoadOptions options) {
        IdeficsProcessor processor = IdeficsProcessor.fromPretrained(folder);
        IdeficsForVisionText2Text model = IdeficsForVisionText2Text.fromPretrained(folder, options);
        IdeficsPipeline p = new IdeficsPipeline(model, processor, GenerationConfig.fromPretrained(folder));
        p.source = folder;
        return p;
    }

    /**
     * Writes the folder back as the hub holds it: config.json, generation_config.json, the weights
     * (sharded above {@code maxShardBytes}), preprocessor_config.json and the tokenizer files.
     */
    public void savePretrained(Path folder, long maxShardBytes) {
        model.savePretrained(folder, maxShardBytes);
        storedGenerationConfig.saveTo(folder);
        processor.imageProcessor().savePretrained(folder);
        if (source != null && !source.toAbsolutePath().normalize().equals(folder.toAbsolutePath().normalize())) {
            for (String f : TOKENIZER_FILES) {
                Path from = source.resolve(f);
                if (!java.nio.file.Files.isRegularFile(from)) continue;
                try {
                    org.idefics4j.engine.safetensors.SafetensorsWriter.writeBytesAtomically(folder.resolve(f),
                            java.nio.file.Files.readAllBytes(from));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(from + ": cannot copy (" + e.getMessage() + ")", e);
                }
            }
        }
    }

    public IdeficsForVisionText2Text model() {
        return model;
    }

    public IdeficsProcessor processor() {
        return processor;
    }

    /** The checkpoint's generation config, with the instruct defaults added. A copy: change it freely. */
    public GenerationConfig generationConfig() {
        return generationConfig.copy();
    }

    /** Whether the tokenizer knows {@code <end_of_utterance>}: the instruct checkpoints' chat format. */
    public boolean isInstruct() {
        return processor.tokenizer().addedTokenId(IdeficsProcessor.END_OF_UTTERANCE_TOKEN) != null;
    }

    private GenerationConfig withInstructDefaults(GenerationConfig c) {
        GenerationConfig g = c.copy();
        LlamaTokenizer tok = processor.tokenizer();
        if (isInstruct()) {
            int eou = tok.addedTokenId(IdeficsProcessor.END_OF_UTTERANCE_TOKEN);
            if (g.eosTokenId.isEmpty() && model.config().eosTokenId >= 0) g.eosTokenId = new ArrayList<>(List.of(model.config().eosTokenId));
            if (!g.eosTokenId.contains(eou)) {
                g.eosTokenId = new ArrayList<>(g.eosTokenId);
                g.eosTokenId.add(eou);
            }
        }
        if (g.badWordsIds.isEmpty()) {
            Integer image = tok.addedTokenId(IdeficsProcessor.IMAGE_TOKEN);
            Integer fake = tok.addedTokenId(IdeficsProcessor.FAKE_TOKEN_AROUND_IMAGE);
            g.badWordsIds = new ArrayList<>();
            if (image != null) g.badWordsIds.add(new int[]{image});
            if (fake != null) g.badWordsIds.add(new int[]{fake});
        }
        if (g.padTokenId == null && tok.padTokenId() != null) g.padTokenId = tok.padTokenId();
        return g;
    }

    /**
     * The processor items of a conversation, ending with the assistant's cue. Instruct checkpoints:
     * {@code User:<images>text<end_of_utterance>\nAssistant: ...}; base checkpoints: the images and
     * the texts as they are (plain continuation).
     */
    public List<Object> prompt(List<Turn> turns) {
        List<Object> items = new ArrayList<>();
        boolean instruct = isInstruct();
        for (int i = 0; i < turns.size(); i++) {
            Turn t = turns.get(i);
            if (instruct) {
                // one text item per stretch of text: the processor strips spaces at the ends of items
                String role = (i == 0 ? "" : "\n") + t.role() + ":";
                String said = t.text() + IdeficsProcessor.END_OF_UTTERANCE_TOKEN;
                if (t.images().isEmpty()) {
                    items.add(role + (t.text().isEmpty() ? "" : " ") + said);
                } else {
                    items.add(role);
                    items.addAll(t.images());
                    items.add(said);
                }
            } else {
                items.addAll(t.images());
                if (!t.text().isEmpty()) items.add(t.text());
            }
        }
        if (instruct) items.add("\nAssistant:");
        return items;
    }

    /** Answers the last user turn of the conversation. */
    public Answer chat(List<Turn> turns, GenerationConfig config, Consumer<String> onText) {
        return generate(prompt(turns), config, onText);
    }

    /**
     * Generates from processor items (strings, images, URLs). {@code onText} receives the answer as
     * it grows, in UTF-8-safe pieces (may be null).
     */
    public Answer generate(List<Object> items, GenerationConfig config, Consumer<String> onText) {
        BatchFeature batch = processor.process(items,
                IdeficsProcessor.CallOptions.defaults().withAddEndOfUtteranceToken(isInstruct() ? false : null));
        int promptLen = batch.sequenceLength();
        Integer context = processor.tokenizer().modelMaxLength();
        if (context != null && promptLen >= context) {
            throw new IllegalArgumentException("the prompt has " + promptLen + " tokens, the model's context is " + context
                    + " (model_max_length in tokenizer_config.json)");
        }
        GenerationConfig c = config == null ? generationConfig : config;
        LlamaTokenizer tok = processor.tokenizer();
        TokenStreamer streamer = onText == null ? null
                : new TextStreamer(ids -> tok.decode(ids, true), onText, 0, id -> c.eosTokenId.contains(id));
        IdeficsInputs inputs = batch.toInputs();
        GenerateOutput out = new Generator(model, ids -> tok.decode(ids, true)).generate(inputs, c, streamer);
        int[] gen = out.generated(0);
        int n = gen.length;
        while (n > 0 && (c.eosTokenId.contains(gen[n - 1]) || (c.padTokenId != null && gen[n - 1] == c.padTokenId))) n--;
        int[] tokens = java.util.Arrays.copyOf(gen, n);
        String text = tok.decode(tokens, true);
        for (String stop : c.stopStrings) {
            if (text.endsWith(stop)) text = text.substring(0, text.length() - stop.length());
        }
        return new Answer(text.strip(), tokens);
    }
}

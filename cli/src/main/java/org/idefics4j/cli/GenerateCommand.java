package org.idefics4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.generation.GenerateOutput;
import org.idefics4j.generation.GenerationConfig;
import org.idefics4j.generation.Generator;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.idefics4j.generation.IdeficsPipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code idefics4j generate}: an answer about images (streamed), or, with {@code --inputs}, generation
 * from raw tensors as transformers' {@code model.generate} does it.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate text with a checkpoint.",
                "With --image/--prompt: answers about the images, streaming the text (instruct checkpoints get the "
                        + "User:/Assistant: chat format). Without --model it uses the small model embedded in the jar.",
                "With --inputs: from raw tensors (input_ids, attention_mask, pixel_values or image_encoder_embeddings "
                        + "or perceiver_embeddings, image_attention_mask), printing {\"sequences\": [[...]]}."})
public final class GenerateCommand implements Callable<Integer> {
    private static final Set<String> KNOWN = Set.of("input_ids", "attention_mask", "pixel_values",
            "image_encoder_embeddings", "perceiver_embeddings", "image_attention_mask");

    @Option(names = "--model", description = "Checkpoint folder (default: the embedded tiny model).")
    Path model;

    @Option(names = "--inputs", description = "Prompt tensors (.safetensors) instead of --image/--prompt.")
    Path inputs;

    @Option(names = "--image", description = "An image file or http(s) URL (repeatable; shown before the prompt).")
    List<String> images = new ArrayList<>();

    @Option(names = "--prompt", description = "The question or text to continue.")
    String prompt;

    @Option(names = "--raw", description = "No chat format: the images and the prompt as they are.")
    boolean raw;

    @Option(names = "--dtype", description = "Keep weights in memory as f32, bf16 or f16 (default: as stored).")
    String dtype;

    @Option(names = "--json", description = "Print JSON: {\"sequences\": ...} with --inputs, {\"text\", \"tokens\"} otherwise.")
    boolean json;

    @Option(names = "--interpolate-pos-encoding", description = "Accept images of another size than the config's.")
    boolean interpolatePosEncoding;

    @Mixin
    GenerationOptions options;

    @Override
    public Integer call() throws Exception {
        if (inputs == null) return answer();
        if (model == null) throw new IllegalArgumentException("--inputs needs --model");
        if (prompt != null || !images.isEmpty()) throw new IllegalArgumentException("give either --inputs or --image/--prompt");
        IdeficsForVisionText2Text lm = IdeficsForVisionText2Text.fromPretrained(model, Loading.options(dtype));
        GenerationConfig config = options.apply(GenerationConfig.fromPretrained(model));
        IdeficsInputs in = InputTensors.read(inputs, KNOWN);
        if (in.imageAttentionMask == null) throw new IllegalArgumentException(inputs + ": image_attention_mask is required");
        in.interpolatePosEncoding = interpolatePosEncoding;
        GenerateOutput out = new Generator(lm).generate(in, config, null);
        var node = new ObjectMapper().createObjectNode();
        var seqs = node.putArray("sequences");
        for (int[] s : out.sequences()) {
            var row = seqs.addArray();
            for (int t : s) row.add(t);
        }
        System.out.println(new ObjectMapper().writeValueAsString(node));
        return 0;
    }

    /** --image/--prompt: the pipeline, streaming the answer to stdout. */
    private int answer() throws Exception {
        if (prompt == null) throw new IllegalArgumentException("give --prompt (and --image), or --inputs");
        Path folder = model != null ? model : DefaultModel.folder();
        IdeficsPipeline pipeline = Loading.pipeline(folder, dtype);
        List<Object> imageItems = new ArrayList<>();
        for (String img : images) imageItems.add(Loading.imageItem(img));
        GenerationConfig config = options.apply(pipeline.generationConfig());
        List<Object> items;
        if (raw) {
            items = new ArrayList<>(imageItems);
            items.add(prompt);
        } else {
            items = pipeline.prompt(List.of(IdeficsPipeline.Turn.user(imageItems, prompt)));
        }
        if (json) {
            IdeficsPipeline.Answer a = pipeline.generate(items, config, null);
            var node = new ObjectMapper().createObjectNode().put("text", a.text());
            var toks = node.putArray("tokens");
            for (int t : a.tokens()) toks.add(t);
            System.out.println(new ObjectMapper().writeValueAsString(node));
        } else {
            boolean[] first = {true};
            pipeline.generate(items, config, delta -> {
                // the answer starts after "Assistant:": drop the leading space of its first piece
                String d = first[0] ? delta.stripLeading() : delta;
                first[0] &= d.isEmpty();
                System.out.print(d);
                System.out.flush();
            });
            System.out.println();
        }
        return 0;
    }
}

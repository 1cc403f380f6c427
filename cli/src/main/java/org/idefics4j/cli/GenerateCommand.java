package org.idefics4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.generation.GenerateOutput;
import org.idefics4j.generation.GenerationConfig;
import org.idefics4j.generation.Generator;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code idefics4j generate}: generation from raw tensors, as transformers' {@code model.generate}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate tokens with a checkpoint.",
                "With --inputs: from raw tensors (input_ids, attention_mask, pixel_values or image_encoder_embeddings "
                        + "or perceiver_embeddings, image_attention_mask), printing the sequences (prompt + generated)."})
public final class GenerateCommand implements Callable<Integer> {
    private static final Set<String> KNOWN = Set.of("input_ids", "attention_mask", "pixel_values",
            "image_encoder_embeddings", "perceiver_embeddings", "image_attention_mask");

    @Option(names = "--model", required = true, description = "Checkpoint folder.")
    Path model;

    @Option(names = "--inputs", required = true, description = "Prompt tensors (.safetensors).")
    Path inputs;

    @Option(names = "--json", description = "Print {\"sequences\": [[...]]} as JSON (the default output).")
    boolean json;

    @Option(names = "--interpolate-pos-encoding", description = "Accept images of another size than the config's.")
    boolean interpolatePosEncoding;

    @Mixin
    GenerationOptions options;

    @Override
    public Integer call() throws Exception {
        IdeficsForVisionText2Text lm = IdeficsForVisionText2Text.fromPretrained(model);
        GenerationConfig config = options.apply(GenerationConfig.fromPretrained(model));
        IdeficsInputs in = new IdeficsInputs();
        try (SafetensorsFile f = SafetensorsFile.open(inputs)) {
            for (String name : f.tensors().keySet()) {
                if (!KNOWN.contains(name)) {
                    throw new IllegalArgumentException(inputs + ": unknown input tensor '" + name + "' (expected some of "
                            + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
                }
            }
            in.inputIds = InputTensors.ints2(f, "input_ids");
            in.attentionMask = InputTensors.ints2(f, "attention_mask");
            in.imageAttentionMask = InputTensors.ints3(f, "image_attention_mask");
            in.pixelValues = InputTensors.floats(f, "pixel_values", 5);
            in.imageEncoderEmbeddings = InputTensors.floats(f, "image_encoder_embeddings", 4);
            in.perceiverEmbeddings = InputTensors.floats(f, "perceiver_embeddings", 4);
        }
        if (in.inputIds == null) throw new IllegalArgumentException(inputs + ": input_ids is required");
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
}

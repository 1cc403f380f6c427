package org.idefics4j.cli;

import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.idefics4j.engine.safetensors.SafetensorsFile;
import org.idefics4j.engine.safetensors.SafetensorsWriter;
import org.idefics4j.model.IdeficsCausalLMOutput;
import org.idefics4j.model.IdeficsForVisionText2Text;
import org.idefics4j.model.IdeficsInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code idefics4j forward}: one forward pass of {@code IdeficsForVisionText2Text} on tensors named
 * like the forward arguments, the outputs written to a safetensors file: how a user checks us
 * against transformers on their own inputs.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run one forward pass of a checkpoint on input tensors and write the outputs.",
                "Inputs (safetensors, named like the forward arguments): input_ids, attention_mask, position_ids, "
                        + "pixel_values, image_encoder_embeddings, perceiver_embeddings, image_attention_mask, labels.",
                "Outputs: logits, loss (with labels), last_hidden_state, image_hidden_states, hidden_states.{i} "
                        + "(with --hidden-states)."})
public final class ForwardCommand implements Callable<Integer> {
    private static final Set<String> KNOWN = Set.of("input_ids", "attention_mask", "position_ids", "pixel_values",
            "image_encoder_embeddings", "perceiver_embeddings", "image_attention_mask", "labels");

    @Option(names = "--model", required = true, description = "Checkpoint folder (config.json + model.safetensors or shards).")
    Path model;

    @Option(names = "--inputs", required = true, description = "Input tensors (.safetensors).")
    Path inputs;

    @Option(names = "--out", required = true, description = "Where to write the outputs (.safetensors).")
    Path out;

    @Option(names = "--hidden-states", description = "Also write hidden_states.0 .. hidden_states.L.")
    boolean hiddenStates;

    @Option(names = "--interpolate-pos-encoding", description = "Accept images of another size than the config's.")
    boolean interpolatePosEncoding;

    @Override
    public Integer call() {
        IdeficsForVisionText2Text lm = IdeficsForVisionText2Text.fromPretrained(model);
        IdeficsInputs in = new IdeficsInputs();
        try (SafetensorsFile f = SafetensorsFile.open(inputs)) {
            for (String name : f.tensors().keySet()) {
                if (!KNOWN.contains(name)) {
                    throw new IllegalArgumentException(inputs + ": unknown input tensor '" + name + "' (expected some of "
                            + String.join(", ", KNOWN.stream().sorted().toList()) + ")");
                }
            }
            in.inputIds = ints2(f, "input_ids");
            in.attentionMask = ints2(f, "attention_mask");
            in.positionIds = ints2(f, "position_ids");
            in.labels = ints2(f, "labels");
            in.imageAttentionMask = ints3(f, "image_attention_mask");
            in.pixelValues = floats(f, "pixel_values", 5);
            in.imageEncoderEmbeddings = floats(f, "image_encoder_embeddings", 4);
            in.perceiverEmbeddings = floats(f, "perceiver_embeddings", 4);
        }
        if (in.inputIds == null) throw new IllegalArgumentException(inputs + ": input_ids is required");
        in.outputHiddenStates = hiddenStates;
        in.interpolatePosEncoding = interpolatePosEncoding;
        in.useCache = false;
        IdeficsCausalLMOutput o = lm.forward(in);

        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("logits", o.logits());
        if (o.loss() != null) result.put("loss", Tensor.of(new float[]{o.loss().floatValue()}));
        result.put("last_hidden_state", o.lastHiddenState());
        result.put("image_hidden_states", o.imageHiddenStates());
        if (o.hiddenStates() != null) {
            for (int i = 0; i < o.hiddenStates().size(); i++) result.put("hidden_states." + i, o.hiddenStates().get(i));
        }
        SafetensorsWriter.writeFloats(out, result, Map.of("format", "pt", "producer", "idefics4j forward"));
        System.err.println("wrote " + result.keySet() + " to " + out);
        return 0;
    }

    private static StoredTensor get(SafetensorsFile f, String name, int rank) {
        if (!f.contains(name)) return null;
        StoredTensor t = f.get(name);
        if (t.rank() != rank) {
            throw new IllegalArgumentException(f.path() + ": '" + name + "' must have " + rank + " dimensions, has shape "
                    + java.util.Arrays.toString(t.shape()));
        }
        return t;
    }

    private static int[][] ints2(SafetensorsFile f, String name) {
        StoredTensor t = get(f, name, 2);
        if (t == null) return null;
        int[] flat = t.toIntArray();
        int[][] out = new int[t.dim(0)][t.dim(1)];
        for (int i = 0; i < out.length; i++) System.arraycopy(flat, i * t.dim(1), out[i], 0, t.dim(1));
        return out;
    }

    private static int[][][] ints3(SafetensorsFile f, String name) {
        StoredTensor t = get(f, name, 3);
        if (t == null) return null;
        int[] flat = t.toIntArray();
        int b = t.dim(0), n = t.dim(1), m = t.dim(2);
        int[][][] out = new int[b][n][m];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < n; j++) System.arraycopy(flat, (i * n + j) * m, out[i][j], 0, m);
        return out;
    }

    private static Tensor floats(SafetensorsFile f, String name, int rank) {
        StoredTensor t = get(f, name, rank);
        if (t == null) return null;
        if (!t.dtype().isFloating()) {
            throw new IllegalArgumentException(f.path() + ": '" + name + "' must be a floating-point tensor, is " + t.dtype());
        }
        return t.toTensor();
    }
}

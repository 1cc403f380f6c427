package org.idefics4j.cli;

import org.idefics4j.engine.DType;
import org.idefics4j.generation.GenerationConfig;
import org.idefics4j.model.IdeficsConfig;
import org.idefics4j.model.IdeficsForVisionText2Text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the embedded default model (cli/src/main/resources/default-model) was made: a tiny
 * IDEFICS-instruct-shaped model (the real 32,003-token vocabulary, 224-pixel images, a perceiver)
 * with random BF16 weights. It shows the whole pipeline working offline; its answers are noise
 * until a trained tiny model replaces it. Run: {@code java -cp ... org.idefics4j.cli.MakeDefaultModel DIR}.
 */
public final class MakeDefaultModel {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        IdeficsConfig c = IdeficsConfig.fromJson("""
                {"vocab_size": 32000, "additional_vocab_size": 3, "hidden_size": 32, "intermediate_size": 64,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "cross_layer_interval": 1, "use_resampler": true,
                 "alpha_initializer": "normal", "alphas_initializer_range": 1.0, "initializer_range": 0.2,
                 "architectures": ["IdeficsForVisionText2Text"], "torch_dtype": "bfloat16",
                 "vision_config": {"embed_dim": 32, "image_size": 224, "patch_size": 14, "num_hidden_layers": 2,
                                   "num_attention_heads": 4, "intermediate_size": 64},
                 "perceiver_config": {"resampler_n_latents": 8, "resampler_depth": 1, "resampler_n_heads": 2,
                                      "resampler_head_dim": 16}}""", "default model");
        IdeficsForVisionText2Text m = IdeficsForVisionText2Text.fromConfig(c, DType.BF16, 2026);
        Files.createDirectories(out);
        m.savePretrained(out, 5_000_000_000L);
        GenerationConfig g = new GenerationConfig();
        g.bosTokenId = 1;
        g.padTokenId = 0;
        g.eosTokenId = List.of(2, 32002);
        g.badWordsIds = List.of(new int[]{32000}, new int[]{32001});
        g.maxNewTokens = 24;
        g.saveTo(out);
    }
}

package org.idefics4j.engine.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.StoredTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a state dict the way transformers' {@code save_pretrained} does: one
 * {@code model.safetensors}, or, above {@code maxShardBytes}, shards cut by walking the tensors in
 * order (a new shard when the next tensor would overflow the current one) named
 * {@code model-0000k-of-0000n.safetensors}, plus {@code model.safetensors.index.json}.
 */
public final class CheckpointWriter {
    /** transformers' default {@code max_shard_size} ("5GB" in 4.36: 5·10⁹ bytes). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private CheckpointWriter() {
    }

    public static void write(Path folder, Map<String, StoredTensor> stateDict, long maxShardBytes) {
        List<List<StoredTensor>> shards = new ArrayList<>();
        List<StoredTensor> current = new ArrayList<>();
        long size = 0, total = 0;
        for (StoredTensor t : stateDict.values()) {
            long bytes = t.segment().byteSize();
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += bytes;
            total += bytes;
        }
        shards.add(current);
        Map<String, String> meta = Map.of("format", "pt");
        try {
            Files.deleteIfExists(folder.resolve(shards.size() == 1 ? Checkpoint.INDEX_FILE : Checkpoint.SINGLE_FILE));
        } catch (IOException e) {
            throw new SafetensorsException(folder + ": cannot replace the previous checkpoint (" + e.getMessage() + ")");
        }
        if (shards.size() == 1) {
            SafetensorsWriter.write(folder.resolve(Checkpoint.SINGLE_FILE), shards.get(0), meta);
            return;
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        TreeMap<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            SafetensorsWriter.write(folder.resolve(name), shards.get(i), meta);
            for (StoredTensor t : shards.get(i)) weightMap.put(t.name(), name);
        }
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        try {
            SafetensorsWriter.writeTextAtomically(folder.resolve(Checkpoint.INDEX_FILE), json.writeValueAsString(index) + "\n");
        } catch (IOException e) {
            throw new SafetensorsException(folder + ": cannot write the index (" + e.getMessage() + ")");
        }
    }
}

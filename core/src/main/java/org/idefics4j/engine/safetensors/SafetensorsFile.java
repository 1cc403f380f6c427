package org.idefics4j.engine.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One safetensors file, memory-mapped with the FFM API: tensors are slices of the mapping, never
 * copies, and files over 2 GB work. Layout: 8-byte little-endian header length N, N bytes of JSON
 * ({@code name: {dtype, shape, data_offsets}} plus an optional {@code __metadata__} string map), then
 * the data. Every header field is validated when the file is opened.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Headers above this size are refused (the Python library uses 100 MB too). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Arena arena;
    private final Map<String, StoredTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}. The mapping lives until {@link #close()} (or is collected). */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            return read(path, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Like {@link #open} with a mapping owned by the garbage collector: no need to close. */
    public static SafetensorsFile openAuto(Path path) {
        return read(path, Arena.ofAuto());
    }

    private static SafetensorsFile read(Path path, Arena arena) {
        String where = path.toString();
        long size;
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(where + ": file is " + size + " bytes, too short for a safetensors header");
            }
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(where + ": no such file");
        } catch (IOException e) {
            throw new SafetensorsException(where + ": cannot read (" + e.getMessage() + ")", e);
        }
        long n = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n <= 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsException(where + ": header length " + n + " is invalid (file of " + size + " bytes)");
        }
        if (8 + n > size) {
            throw new SafetensorsException(where + ": header length " + n + " runs past the end of the file ("
                    + size + " bytes): truncated file?");
        }
        byte[] headerBytes = all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            header = JSON.readTree(headerBytes);
        } catch (IOException e) {
            throw new SafetensorsException(where + ": header is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsException(where + ": header is not a JSON object");
        }
        MemorySegment data = all.asSlice(8 + n);
        long dataSize = data.byteSize();

        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        List<String> rangeNames = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new SafetensorsException(where + ": __metadata__ is not an object");
                v.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw new SafetensorsException(where + ": __metadata__ value '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            String at = where + ": tensor '" + name + "'";
            if (!v.isObject()) throw new SafetensorsException(at + ": entry is not an object");
            JsonNode dt = v.get("dtype");
            if (dt == null || !dt.isTextual()) throw new SafetensorsException(at + ": missing dtype");
            DType dtype = DType.fromSafetensors(dt.asText());
            if (dtype == null) {
                throw new SafetensorsException(at + ": unknown or unsupported dtype '" + dt.asText() + "'");
            }
            JsonNode sh = v.get("shape");
            if (sh == null || !sh.isArray()) throw new SafetensorsException(at + ": missing shape");
            int[] shape = new int[sh.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                    throw new SafetensorsException(at + ": invalid shape " + sh);
                }
                shape[i] = (int) d.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
            JsonNode off = v.get("data_offsets");
            if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                    || !off.get(1).isIntegralNumber()) {
                throw new SafetensorsException(at + ": data_offsets must be [begin, end]");
            }
            long begin = off.get(0).asLong();
            long end = off.get(1).asLong();
            if (begin < 0 || end < begin) {
                throw new SafetensorsException(at + ": data_offsets [" + begin + ", " + end + "] are invalid");
            }
            if (end > dataSize) {
                throw new SafetensorsException(at + ": data_offsets [" + begin + ", " + end + "] run past the end of the data ("
                        + dataSize + " bytes): truncated file?");
            }
            long expect = numel * dtype.bytes();
            if (end - begin != expect) {
                throw new SafetensorsException(at + ": " + dtype + " " + sh + " needs " + expect + " bytes, data_offsets give "
                        + (end - begin));
            }
            ranges.add(new long[]{begin, end});
            rangeNames.add(name);
            tensors.put(name, new StoredTensor(name, dtype, shape, data.asSlice(begin, end - begin), where));
        }
        checkNoOverlap(where, ranges, rangeNames);
        return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static void checkNoOverlap(String where, List<long[]> ranges, List<String> names) {
        Integer[] order = new Integer[ranges.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Long.compare(ranges.get(a)[0], ranges.get(b)[0]));
        for (int i = 1; i < order.length; i++) {
            long[] prev = ranges.get(order[i - 1]);
            long[] cur = ranges.get(order[i]);
            if (cur[0] < prev[1] && cur[1] > cur[0]) {
                throw new SafetensorsException(where + ": tensors '" + names.get(order[i - 1]) + "' and '"
                        + names.get(order[i]) + "' overlap in the data section");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in header order. */
    public Map<String, StoredTensor> tensors() {
        return tensors;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The named tensor; a clear error naming the file when it is absent. */
    public StoredTensor get(String name) {
        StoredTensor t = tensors.get(name);
        if (t == null) throw new SafetensorsException(path + ": no tensor named '" + name + "'");
        return t;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (UnsupportedOperationException ignored) {
                // automatic arenas are released by the garbage collector
            }
        }
    }

    static ObjectNode newHeader() {
        return JSON.createObjectNode();
    }

    static ObjectMapper json() {
        return JSON;
    }

}

package org.idefics4j.engine.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.idefics4j.engine.DType;
import org.idefics4j.engine.StoredTensor;
import org.idefics4j.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading and writing safetensors files, and the clear errors bad files get. */
class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file with the given header JSON and {@code dataBytes} zero bytes of data. */
    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("t.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private SafetensorsException fails(Path p) {
        return assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p).close());
    }

    @Test
    void roundTripKeepsValuesDtypesAndMetadata() {
        Tensor a = Tensor.of(new float[]{1, -2.5f, 3e-8f, 4, 5, 6}, 2, 3);
        StoredTensor bf = StoredTensor.ofBytes("b", DType.BF16, new int[]{2}, new byte[]{(byte) 0x80, 0x3f, 0x00, (byte) 0xc0});
        StoredTensor ids = StoredTensor.ofLongs("ids", new long[]{1, 32001, -100}, 3);
        Path p = dir.resolve("out.safetensors");
        SafetensorsWriter.write(p, List.of(StoredTensor.ofFloats("a", a), bf, ids), Map.of("format", "pt"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertArrayEquals(a.data(), f.get("a").toTensor().data());
            assertArrayEquals(new int[]{2, 3}, f.get("a").shape());
            assertEquals(DType.BF16, f.get("b").dtype());
            assertArrayEquals(new float[]{1f, -2f}, f.get("b").toTensor().data());
            assertArrayEquals(new long[]{1, 32001, -100}, f.get("ids").toLongArray());
        }
    }

    @Test
    void writtenLayoutIsWhatThePythonLibraryRequires() throws IOException {
        // safetensors (Python/Rust) accepts a file only if the header is followed by tensors whose
        // offsets start at 0, follow each other without gaps and end exactly at the end of the file.
        Path p = dir.resolve("layout.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("z", Tensor.zeros(3));
        m.put("a", Tensor.zeros(2, 5));
        SafetensorsWriter.writeFloats(p, m, Map.of("format", "pt"));
        byte[] all = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8).trim());
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            ranges.add(new long[]{e.getValue().get("data_offsets").get(0).asLong(), e.getValue().get("data_offsets").get(1).asLong()});
        }
        ranges.sort((x, y) -> Long.compare(x[0], y[0]));
        long expect = 0;
        for (long[] r : ranges) {
            assertEquals(expect, r[0]);
            expect = r[1];
        }
        assertEquals(all.length - 8 - n, expect);
        try (var list = Files.list(dir)) {
            assertEquals(1, list.count(), "no temporary file left behind");
        }
    }

    @Test
    void truncatedFileIsReported() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        SafetensorsWriter.writeFloats(p, Map.of("w", Tensor.zeros(100)), Map.of());
        byte[] all = Files.readAllBytes(p);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 50));
        SafetensorsException e = fails(cut);
        assertTrue(e.getMessage().contains("cut.safetensors") && e.getMessage().contains("'w'")
                && e.getMessage().contains("truncated"), e.getMessage());
        Files.write(cut, java.util.Arrays.copyOf(all, 20));
        assertTrue(fails(cut).getMessage().contains("past the end of the file"));
        Files.write(cut, new byte[3]);
        assertTrue(fails(cut).getMessage().contains("too short"));
    }

    @Test
    void offsetsPastTheEndAreReported() throws IOException {
        Path p = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        SafetensorsException e = fails(p);
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void overlappingTensorsAreReported() throws IOException {
        Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24);
        SafetensorsException e = fails(p);
        assertTrue(e.getMessage().contains("overlap") && e.getMessage().contains("'a'") && e.getMessage().contains("'b'"),
                e.getMessage());
    }

    @Test
    void unknownDtypeIsReported() throws IOException {
        Path p = raw("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        SafetensorsException e = fails(p);
        assertTrue(e.getMessage().contains("unknown or unsupported dtype 'F8_E4M3'") && e.getMessage().contains("'w'"),
                e.getMessage());
    }

    @Test
    void sizeThatContradictsShapeIsReported() throws IOException {
        Path p = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16);
        assertTrue(fails(p).getMessage().contains("needs 24 bytes"));
    }

    @Test
    void malformedHeadersAreReported() throws IOException {
        assertTrue(fails(raw("{not json", 0)).getMessage().contains("not valid JSON"));
        assertTrue(fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)).getMessage()
                .contains("invalid shape"));
        assertTrue(fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)).getMessage().contains("data_offsets"));
        assertTrue(fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4)).getMessage().contains("JSON"));
        assertTrue(fails(dir.resolve("absent.safetensors")).getMessage().contains("no such file"));
    }
}

package org.idefics4j.processing.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (a {@code sentencepiece.ModelProto}
 * protobuf) that encoding needs, read with a small hand-written protobuf reader so the runtime
 * has no protobuf dependency.
 *
 * <p>Field numbers follow {@code sentencepiece_model.proto}: ModelProto {1: pieces, 2: trainer_spec,
 * 3: normalizer_spec}; SentencePiece {1: piece, 2: score, 3: type}; TrainerSpec {3: model_type,
 * 35: byte_fallback}; NormalizerSpec {1: name, 2: precompiled_charsmap, 3: add_dummy_prefix,
 * 4: remove_extra_whitespaces, 5: escape_whitespaces}. Unknown fields are skipped.
 */
public record SentencePieceModel(List<Piece> pieces, int modelType, boolean byteFallback,
                                 String normalizerName, boolean hasPrecompiledCharsmap,
                                 boolean addDummyPrefix, boolean removeExtraWhitespaces,
                                 boolean escapeWhitespaces) {

    /** {@code TrainerSpec.ModelType}. */
    public static final int MODEL_UNIGRAM = 1, MODEL_BPE = 2, MODEL_WORD = 3, MODEL_CHAR = 4;

    /** {@code SentencePiece.Type}. */
    public enum Type { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE, UNUSED }

    public record Piece(String piece, float score, Type type) {
    }

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    /** Reads and parses {@code file}; errors name the file. */
    public static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TokenizerException("cannot read SentencePiece model " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(bytes);
        } catch (RuntimeException e) {
            throw new TokenizerException("malformed SentencePiece model " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the bytes of a {@code ModelProto}. */
    public static SentencePieceModel parse(byte[] bytes) {
        Reader r = new Reader(ByteBuffer.wrap(bytes));
        List<Piece> pieces = new ArrayList<>();
        // proto2 defaults: model_type UNIGRAM, byte_fallback false, the three normalizer flags true.
        int modelType = MODEL_UNIGRAM;
        boolean byteFallback = false;
        String normName = "";
        boolean charsmap = false, dummyPrefix = true, removeExtra = true, escape = true;
        while (r.hasMore()) {
            int tag = r.varint32();
            int field = tag >>> 3, wire = tag & 7;
            if (field == 1 && wire == 2) {
                pieces.add(parsePiece(r.sub(), pieces.size()));
            } else if (field == 2 && wire == 2) {
                Reader t = r.sub();
                while (t.hasMore()) {
                    int tt = t.varint32();
                    int f = tt >>> 3, w = tt & 7;
                    if (f == 3 && w == 0) modelType = (int) t.varint();
                    else if (f == 35 && w == 0) byteFallback = t.varint() != 0;
                    else t.skip(w);
                }
            } else if (field == 3 && wire == 2) {
                Reader n = r.sub();
                while (n.hasMore()) {
                    int nt = n.varint32();
                    int f = nt >>> 3, w = nt & 7;
                    if (f == 1 && w == 2) normName = n.string();
                    else if (f == 2 && w == 2) charsmap = n.bytes().length > 0;
                    else if (f == 3 && w == 0) dummyPrefix = n.varint() != 0;
                    else if (f == 4 && w == 0) removeExtra = n.varint() != 0;
                    else if (f == 5 && w == 0) escape = n.varint() != 0;
                    else n.skip(w);
                }
            } else {
                r.skip(wire);
            }
        }
        if (pieces.isEmpty()) throw new IllegalArgumentException("no pieces (is this a SentencePiece model?)");
        return new SentencePieceModel(pieces, modelType, byteFallback, normName, charsmap, dummyPrefix,
                removeExtra, escape);
    }

    private static Piece parsePiece(Reader r, int index) {
        String text = null;
        float score = 0f;
        Type type = Type.NORMAL;
        while (r.hasMore()) {
            int tag = r.varint32();
            int f = tag >>> 3, w = tag & 7;
            if (f == 1 && w == 2) text = r.string();
            else if (f == 2 && w == 5) score = r.fixed32Float();
            else if (f == 3 && w == 0) {
                int t = (int) r.varint();
                type = switch (t) {
                    case 1 -> Type.NORMAL;
                    case 2 -> Type.UNKNOWN;
                    case 3 -> Type.CONTROL;
                    case 4 -> Type.USER_DEFINED;
                    case 5 -> Type.UNUSED;
                    case 6 -> Type.BYTE;
                    default -> throw new IllegalArgumentException("piece " + index + " has unknown type " + t);
                };
            } else r.skip(w);
        }
        if (text == null) throw new IllegalArgumentException("piece " + index + " has no text");
        return new Piece(text, score, type);
    }

    /** Minimal protobuf wire-format reader over a slice. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
        }

        boolean hasMore() {
            return buf.hasRemaining();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (!buf.hasRemaining()) throw new IllegalArgumentException("truncated varint at byte " + buf.position());
                byte b = buf.get();
                result |= (long) (b & 0x7f) << shift;
                if (b >= 0) return result;
            }
            throw new IllegalArgumentException("varint longer than 10 bytes at byte " + buf.position());
        }

        int varint32() {
            return (int) varint();
        }

        int length() {
            long len = varint();
            if (len < 0 || len > buf.remaining())
                throw new IllegalArgumentException("length " + len + " past the end at byte " + buf.position());
            return (int) len;
        }

        Reader sub() {
            int len = length();
            ByteBuffer slice = buf.slice(buf.position(), len);
            buf.position(buf.position() + len);
            return new Reader(slice);
        }

        byte[] bytes() {
            byte[] out = new byte[length()];
            buf.get(out);
            return out;
        }

        String string() {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes())).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("invalid UTF-8 in a string field at byte " + buf.position());
            }
        }

        float fixed32Float() {
            if (buf.remaining() < 4) throw new IllegalArgumentException("truncated float at byte " + buf.position());
            return buf.getFloat();
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wire + " at byte " + buf.position());
            }
        }

        private void advance(int n) {
            if (n > buf.remaining()) throw new IllegalArgumentException("field past the end at byte " + buf.position());
            buf.position(buf.position() + n);
        }
    }
}

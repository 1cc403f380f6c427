package org.idefics4j.processing.image;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes a Jackson tree the way Python's {@code json.dumps(obj, indent=2, sort_keys=True)} does
 * (Hugging Face's {@code to_json_string}), so a saved {@code preprocessor_config.json} is
 * byte-identical to the one transformers writes: {@code ": "} separators, one array element per
 * line, Python float repr ({@code 0.1}, {@code 1e-05}, {@code 224.0}), non-ASCII escaped.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0);
        return sb.toString();
    }

    private static void indent(StringBuilder sb, int level) {
        sb.append('\n');
        sb.append("  ".repeat(level));
    }

    private static void write(StringBuilder sb, JsonNode n, int level) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("null");
        } else if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<String> keys = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.properties().iterator(); it.hasNext(); ) {
                keys.add(it.next().getKey());
            }
            keys.sort(null); // Python sorts str keys by code point; String.compareTo sorts UTF-16 units
            sb.append('{');
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) sb.append(',');
                indent(sb, level + 1);
                string(sb, keys.get(i));
                sb.append(": ");
                write(sb, n.get(keys.get(i)), level + 1);
            }
            indent(sb, level);
            sb.append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) sb.append(',');
                indent(sb, level + 1);
                write(sb, n.get(i), level + 1);
            }
            indent(sb, level);
            sb.append(']');
        } else if (n.isBoolean()) {
            sb.append(n.booleanValue() ? "true" : "false");
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            sb.append(floatRepr(n.doubleValue()));
        } else {
            string(sb, n.asText());
        }
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form outside [1e-4, 1e16). */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Double.toString yields the shortest round-trip digits (JDK 19+), like Python's repr.
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int ae = Math.abs(exp);
        return sign + mant + "e" + (exp < 0 ? "-" : "+") + (ae < 10 ? "0" + ae : String.valueOf(ae));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}

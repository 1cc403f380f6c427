package org.idefics4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of config keys with defaults; every key read is removed from {@code rest}, so what
 * remains are the keys we do not know, kept and written back unchanged.
 */
final class JsonFields {
    private final ObjectNode rest;
    private final String where;

    JsonFields(ObjectNode node, String where) {
        this.rest = node.deepCopy();
        this.where = where;
    }

    ObjectNode rest() {
        return rest;
    }

    private JsonNode take(String key) {
        JsonNode v = rest.remove(key);
        return v == null || v.isNull() ? null : v;
    }

    private ConfigException wrong(String key, String what, JsonNode v) {
        return new ConfigException(where + ": key '" + key + "' must be " + what + ", got " + v);
    }

    int getInt(String key, int def) {
        JsonNode v = take(key);
        if (v == null) return def;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrong(key, "an integer", v);
        return v.intValue();
    }

    double getDouble(String key, double def) {
        JsonNode v = take(key);
        if (v == null) return def;
        if (!v.isNumber()) throw wrong(key, "a number", v);
        return v.doubleValue();
    }

    boolean getBoolean(String key, boolean def) {
        JsonNode v = take(key);
        if (v == null) return def;
        if (!v.isBoolean()) throw wrong(key, "true or false", v);
        return v.booleanValue();
    }

    String getString(String key, String def) {
        JsonNode v = take(key);
        if (v == null) return def;
        if (!v.isTextual()) throw wrong(key, "a string", v);
        return v.textValue();
    }

    List<String> getStringList(String key) {
        JsonNode v = take(key);
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (!v.isArray()) throw wrong(key, "a list of strings", v);
        for (JsonNode e : v) {
            if (!e.isTextual()) throw wrong(key, "a list of strings", v);
            out.add(e.textValue());
        }
        return out;
    }

    /** A nested sub-config object (null when absent or JSON null). */
    ObjectNode getObject(String key) {
        JsonNode v = take(key);
        if (v == null) return null;
        if (!v.isObject()) throw wrong(key, "an object", v);
        return (ObjectNode) v;
    }

    /** Integer id or list of integer ids (e.g. eos_token_id); null when absent. */
    JsonNode getRaw(String key) {
        return take(key);
    }

    String where() {
        return where;
    }
}

package io.mediafanout.inngest.execution;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hashed step ids for one execution: lowercase SHA-1 hex of the user's id; a repeated id becomes {@code id:1},
 * {@code id:2}… in the order the steps are declared (skipping candidates already taken, like the TypeScript SDK).
 */
public final class StepIds {

    /** A resolved id: the hash sent to Inngest, the user's id and its repeat index (0 for the first use). */
    record Resolved(String hash, String userId, int index) {
    }

    private final Set<String> used = new HashSet<>();
    private final Map<String, Integer> nextIndex = new HashMap<>();

    Resolved resolve(String userId) {
        String hash = hash(userId);
        if (used.add(hash)) {
            return new Resolved(hash, userId, 0);
        }
        int index = nextIndex.getOrDefault(userId, 1);
        while (true) {
            String candidate = hash(userId + ":" + index);
            if (used.add(candidate)) {
                nextIndex.put(userId, index + 1);
                return new Resolved(candidate, userId, index);
            }
            index++;
        }
    }

    /** Hashes of the ids seen so far: a function's step ids are few, and each call hashes them all again. */
    private static final Map<String, String> HASHES = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 4096;

    public static String hash(String id) {
        String hash = HASHES.get(id);
        if (hash == null) {
            hash = sha1(id);
            if (HASHES.size() < MAX_CACHED) {
                HASHES.put(id, hash);
            }
        }
        return hash;
    }

    private static String sha1(String id) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(sha1.digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }
}

package io.mediafanout.inngest;

/**
 * How deep a JSON text nests, found by one linear scan without recursion, so a hostile {@code [[[[…} is refused
 * before a recursive parser or canonicaliser sees it.
 */
final class JsonDepth {

    private JsonDepth() {
    }

    /** Whether arrays and objects nest deeper than {@code max} (brackets inside strings do not count). */
    static boolean exceeds(byte[] json, int max) {
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        for (byte b : json) {
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '[' || b == '{') {
                if (++depth > max) {
                    return true;
                }
            } else if (b == ']' || b == '}') {
                depth--;
            }
        }
        return false;
    }
}

package io.mediafanout.media.domain;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.mediafanout.media.domain.Upload.InvalidUploadException;

/**
 * One option an upload may set for a branch ({@link Branch#options()}): its name in the API, the option Ittybit knows
 * it by, and the rule its values follow. A value the rule accepts comes back normalised ({@code 2} for {@code 2.000}),
 * so equal values are equal keys.
 *
 * @param defaultValue the value an upload gets when neither it nor the setting ({@link Branch#setting}) sets one, as
 *        a setting would write it; null: none (Ittybit's own default applies)
 * @param omittedValue a value that means "no option" for Ittybit (the language {@code auto}: Ittybit detects it)
 */
public record BranchOption(String name, String ittybitName, Rule rule, String defaultValue, String omittedValue) {

    /** Longest time into a video, in seconds. */
    public static final BigDecimal MAX_TIME = BigDecimal.valueOf(86_400);
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    /** {@code auto}, or a BCP 47 tag: a 2–3 letter language, then optional script/region/variant subtags. */
    private static final Pattern LANGUAGE = Pattern.compile("auto|[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}");

    /** Checks a value. */
    public interface Rule {
        /** The value, normalised; an {@link InvalidUploadException} naming {@code field} when it is not acceptable. */
        Object check(JsonNode value, String field);

        /** The values it accepts, for people ({@code 16-1920}, {@code webp|jpeg}). */
        String values();
    }

    private static Rule rule(String values, java.util.function.BiFunction<JsonNode, String, Object> check) {
        return new Rule() {
            @Override
            public Object check(JsonNode value, String field) {
                return check.apply(value, field);
            }

            @Override
            public String values() {
                return values;
            }
        };
    }

    static BranchOption of(String name, String ittybitName, Rule rule) {
        return new BranchOption(name, ittybitName, rule, null, null);
    }

    BranchOption byDefault(String value) {
        return new BranchOption(name, ittybitName, rule, value, omittedValue);
    }

    BranchOption omittedFor(String value) {
        return new BranchOption(name, ittybitName, rule, defaultValue, value);
    }

    /** The option's name in settings: kebab-case ({@code max-width} for {@code maxWidth}). */
    public String settingName() {
        return name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A value written as text (a setting, {@link #defaultValue()}), checked and normalised by the rule as if an
     * upload had sent it: numbers as JSON numbers, anything else as a string.
     */
    public Object fromText(String text, String field) {
        String trimmed = text.trim();
        JsonNode value = !NUMBER.matcher(trimmed).matches() ? JsonNodeFactory.instance.textNode(text)
                : trimmed.indexOf('.') < 0 ? JsonNodeFactory.instance.numberNode(new java.math.BigInteger(trimmed))
                : JsonNodeFactory.instance.numberNode(new BigDecimal(trimmed));
        return rule.check(value, field);
    }

    /** Whether Ittybit gets this value (a value meaning "no option" is left out of the task). */
    public boolean sent(Object value) {
        return value != null && !value.equals(omittedValue);
    }

    static Rule whole(int min, int max) {
        return rule(min + "-" + max, (value, field) -> {
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < min
                    || value.intValue() > max) {
                throw new InvalidUploadException(field, field + " must be a whole number from " + min + " to " + max);
            }
            return value.intValue();
        });
    }

    /** Seconds into the video, to the millisecond. */
    static Rule seconds() {
        return rule("seconds (0-" + MAX_TIME + ", to the millisecond)", (value, field) -> {
            if (!value.isNumber()) {
                throw new InvalidUploadException(field, field + " must be a number of seconds");
            }
            BigDecimal seconds = value.decimalValue();
            if (seconds.signum() < 0 || seconds.compareTo(MAX_TIME) > 0 || seconds.stripTrailingZeros().scale() > 3) {
                throw new InvalidUploadException(field, field + " must be from 0 to " + MAX_TIME
                        + " seconds, to the millisecond at most");
            }
            return normalised(seconds);
        });
    }

    static Rule oneOf(String... values) {
        List<String> allowed = List.of(values);
        return rule(String.join("|", allowed), (value, field) -> {
            if (!value.isTextual() || !allowed.contains(value.asText())) {
                throw new InvalidUploadException(field, field + " must be one of " + String.join(", ", allowed));
            }
            return value.asText();
        });
    }

    static Rule language() {
        return rule("a BCP 47 tag or auto", (value, field) -> {
            if (!value.isTextual() || !LANGUAGE.matcher(value.asText()).matches()) {
                throw new InvalidUploadException(field, field + " must be a BCP 47 language tag (en, es, pt-BR) or auto");
            }
            return value.asText();
        });
    }

    /** 2 for 2.000, 2.5 for 2.50: equal values are equal keys. */
    private static Object normalised(BigDecimal seconds) {
        BigDecimal plain = seconds.stripTrailingZeros();
        if (plain.scale() <= 0) {
            return plain.intValueExact();
        }
        return plain.doubleValue();
    }
}

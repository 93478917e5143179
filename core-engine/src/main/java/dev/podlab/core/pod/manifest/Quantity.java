package dev.podlab.core.pod.manifest;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity ({@code 250m}, {@code 128Mi}, {@code 1.5}, {@code 1e3}), kept as the
 * exact decimal it denotes. Grammar as in Kubernetes: a signed decimal number, then one optional
 * suffix: binary {@code Ki Mi Gi Ti Pi Ei}, decimal {@code n u m k M G T P E}, or a decimal exponent
 * {@code e3} / {@code E-2}. Conversions round up, as Kubernetes' {@code Value()} and
 * {@code MilliValue()} do ({@code 1m} of memory is one byte).
 *
 * @param text  as written
 * @param value the exact amount (cores for cpu, bytes for memory)
 */
public record Quantity(String text, BigDecimal value) {
    private static final Pattern GRAMMAR = Pattern.compile(
            "([+-]?)([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|n|u|m|k|M|G|T|P|E)?");
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    /** Thrown by {@link #parse} with the problem as a report message: {@code invalid quantity "12XB"}. */
    public static final class InvalidQuantityException extends IllegalArgumentException {
        public InvalidQuantityException(String message) {
            super(message);
        }
    }

    /** Parses {@code text}; throws {@link InvalidQuantityException} when it is not a quantity. */
    public static Quantity parse(String text) {
        Matcher m = GRAMMAR.matcher(text);
        if (!m.matches()) {
            throw new InvalidQuantityException("invalid quantity " + quote(text));
        }
        BigDecimal number = new BigDecimal(m.group(2).endsWith(".") ? m.group(2) + "0" : m.group(2));
        if (m.group(1).equals("-")) {
            number = number.negate();
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        BigDecimal factor = switch (suffix) {
            case "" -> BigDecimal.ONE;
            case "n" -> BigDecimal.ONE.scaleByPowerOfTen(-9);
            case "u" -> BigDecimal.ONE.scaleByPowerOfTen(-6);
            case "m" -> BigDecimal.ONE.scaleByPowerOfTen(-3);
            case "k" -> BigDecimal.ONE.scaleByPowerOfTen(3);
            case "M" -> BigDecimal.ONE.scaleByPowerOfTen(6);
            case "G" -> BigDecimal.ONE.scaleByPowerOfTen(9);
            case "T" -> BigDecimal.ONE.scaleByPowerOfTen(12);
            case "P" -> BigDecimal.ONE.scaleByPowerOfTen(15);
            case "E" -> BigDecimal.ONE.scaleByPowerOfTen(18);
            case "Ki" -> new BigDecimal(BigInteger.ONE.shiftLeft(10));
            case "Mi" -> new BigDecimal(BigInteger.ONE.shiftLeft(20));
            case "Gi" -> new BigDecimal(BigInteger.ONE.shiftLeft(30));
            case "Ti" -> new BigDecimal(BigInteger.ONE.shiftLeft(40));
            case "Pi" -> new BigDecimal(BigInteger.ONE.shiftLeft(50));
            case "Ei" -> new BigDecimal(BigInteger.ONE.shiftLeft(60));
            default -> {
                // A decimal exponent; bounded so that "1e999999999" cannot make a huge number.
                int exp;
                try {
                    exp = Integer.parseInt(suffix.substring(1).replace("+", ""));
                } catch (NumberFormatException e) {
                    throw new InvalidQuantityException("invalid quantity " + quote(text));
                }
                if (Math.abs(exp) > 60) {
                    throw new InvalidQuantityException("invalid quantity " + quote(text) + ": exponent out of range");
                }
                yield BigDecimal.ONE.scaleByPowerOfTen(exp);
            }
        };
        return new Quantity(text, number.multiply(factor));
    }

    public boolean isNegative() {
        return value.signum() < 0;
    }

    /** The amount in thousandths, rounded up: cpu in millicores. */
    public long milliValue() {
        return toLong(value.multiply(THOUSAND));
    }

    /** The amount rounded up to a whole number: memory in bytes. */
    public long wholeValue() {
        return toLong(value);
    }

    /** Whether the rounded values fit a long (quantities above 2^63 cannot be enforced). */
    public boolean fitsMilli() {
        return value.multiply(THOUSAND).setScale(0, RoundingMode.CEILING).abs().compareTo(LONG_MAX) <= 0;
    }

    private static long toLong(BigDecimal d) {
        BigDecimal r = d.setScale(0, RoundingMode.CEILING);
        if (r.abs().compareTo(LONG_MAX) > 0) {
            throw new InvalidQuantityException("quantity too large");
        }
        return r.longValueExact();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}

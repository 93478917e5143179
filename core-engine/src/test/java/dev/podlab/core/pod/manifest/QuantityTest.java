package dev.podlab.core.pod.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantityTest {
    @ParameterizedTest(name = "{0} = {1} millicores")
    @CsvSource({
            "1, 1000", "0.5, 500", ".5, 500", "500m, 500", "250m, 250", "1.5, 1500", "2, 2000", "0, 0",
            "100u, 1", "1n, 1", "1000000n, 1", "1e3, 1000000", "1E-3, 1", "1e-3, 1", "0.1m, 1", "1k, 1000000",
            "+2, 2000", "5., 5000"})
    void cpuToMillicores(String text, long millis) {
        assertThat(Quantity.parse(text).milliValue()).isEqualTo(millis);
    }

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({
            "128974848, 128974848", "129e6, 129000000", "129M, 129000000", "123Mi, 128974848",
            "1Ki, 1024", "1Gi, 1073741824", "1Ti, 1099511627776", "1Pi, 1125899906842624",
            "1Ei, 1152921504606846976", "1k, 1000", "1G, 1000000000", "1T, 1000000000000", "1P, 1000000000000000",
            "1E, 1000000000000000000", "1.5Gi, 1610612736", "0.5Ki, 512", "1m, 1", "1500m, 2", "32Mi, 33554432",
            "1e0, 1", "2E2, 200"})
    void memoryToBytes(String text, long bytes) {
        assertThat(Quantity.parse(text).wholeValue()).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12XB", "", "Mi", "1.5.2", "1 Mi", "1mi", "1KB", "0x10", "1e", "--1", "1Ki1", "1b",
            "e3", "1e3.5"})
    void refusesWhatIsNotAQuantity(String text) {
        assertThatThrownBy(() -> Quantity.parse(text)).isInstanceOf(Quantity.InvalidQuantityException.class)
                .hasMessageStartingWith("invalid quantity \"");
    }

    @Test
    void keepsTheExactValueAndSign() {
        Quantity q = Quantity.parse("-64Mi");
        assertThat(q.isNegative()).isTrue();
        assertThat(q.wholeValue()).isEqualTo(-67108864L);
        assertThat(q.text()).isEqualTo("-64Mi");
        assertThat(Quantity.parse("1.5").value()).isEqualByComparingTo("1.5");
    }

    @Test
    void refusesValuesThatDoNotFitALong() {
        Quantity huge = Quantity.parse("16Ei");
        assertThatThrownBy(huge::wholeValue).hasMessage("quantity too large");
        assertThatThrownBy(() -> Quantity.parse("1e999")).hasMessageContaining("exponent out of range");
    }
}

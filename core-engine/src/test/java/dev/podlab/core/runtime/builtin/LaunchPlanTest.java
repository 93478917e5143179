package dev.podlab.core.runtime.builtin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LaunchPlanTest {
    @Test
    void escapesSpacesPercentControlAndEmptyArguments() {
        String text = new LaunchPlan.Builder()
                .add("args", "/bin/sh", "-c", "echo 100% done\n", "")
                .add("env", "GREETING=grüße dich")
                .build().render();
        assertThat(text).isEqualTo("args /bin/sh -c echo%20100%25%20done%0A %00\nenv GREETING=grüße%20dich\n");
    }

    @Test
    void unescapeInvertsEscape() {
        for (String s : new String[] {"", "plain", "a b\tc", "%", "%00 literal", "ünï cødé ✓", "\u007f\u0001"}) {
            StringBuilder sb = new StringBuilder();
            LaunchPlan.escape(s, sb);
            assertThat(sb.toString()).doesNotContain(" ").doesNotContain("\n");
            assertThat(LaunchPlan.unescape(sb.toString())).isEqualTo(s);
        }
    }
}

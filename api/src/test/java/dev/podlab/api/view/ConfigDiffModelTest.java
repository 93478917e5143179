package dev.podlab.api.view;

import dev.podlab.api.view.ConfigDiffModel.Kind;
import dev.podlab.api.view.ConfigDiffModel.Row;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigDiffModelTest {
    @Test
    void changedLinesPairUpAndOneSidedLinesLeaveTheOtherSideEmpty() {
        String left = "{\n  \"a\": 1,\n  \"runtime\": \"runc\",\n  \"b\": 2\n}";
        String right = "{\n  \"a\": 1,\n  \"runtime\": \"builtin\",\n  \"extra\": true,\n  \"b\": 2\n}";
        List<Row> rows = ConfigDiffModel.rows(left, right);
        assertThat(rows).extracting(Row::kind).containsExactly(Kind.SAME, Kind.SAME, Kind.CHANGED, Kind.RIGHT_ONLY,
                Kind.SAME, Kind.SAME);
        assertThat(rows.get(2)).isEqualTo(new Row(Kind.CHANGED, "  \"runtime\": \"runc\",", 3, "  \"runtime\": \"builtin\",", 3));
        assertThat(rows.get(3)).isEqualTo(new Row(Kind.RIGHT_ONLY, "", 0, "  \"extra\": true,", 4));
        // Line numbers continue on each side after a one-sided row.
        assertThat(rows.get(4).leftLine()).isEqualTo(4);
        assertThat(rows.get(4).rightLine()).isEqualTo(5);
    }

    @Test
    void theModelCountsDifferencesAndTellsItsListeners() {
        var m = new ConfigDiffModel(Dispatcher.direct());
        int[] heard = {0};
        m.addListener(() -> heard[0]++);
        m.load("web (runc)", "x\ny\nz", "web (builtin)", "x\nz\nw");
        assertThat(m.leftTitle()).isEqualTo("web (runc)");
        assertThat(m.rows()).extracting(Row::kind).containsExactly(Kind.SAME, Kind.LEFT_ONLY, Kind.SAME, Kind.RIGHT_ONLY);
        assertThat(m.differences()).isEqualTo(2);
        assertThat(heard[0]).isEqualTo(1);
        m.load("a", "same", "b", "same");
        assertThat(m.differences()).isZero();
        m.clear();
        assertThat(m.rows()).isEmpty();
    }
}

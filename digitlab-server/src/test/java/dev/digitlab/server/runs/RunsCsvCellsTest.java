package dev.digitlab.server.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a spreadsheet opening runs.csv sees: text a user typed never runs as a formula. */
class RunsCsvCellsTest {

  private static String line(String... cells) {
    StringBuilder csv = new StringBuilder();
    RunsCsv.line(csv, List.of(cells));
    return csv.toString();
  }

  @Test
  void a_run_name_that_looks_like_a_formula_stays_text() {
    assertThat(line("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    assertThat(line("@SUM(A1)")).isEqualTo("\"'@SUM(A1)\"\r\n");
    assertThat(line("+1+cmd")).isEqualTo("\"'+1+cmd\"\r\n");
    // OWASP's example of a formula that starts with a minus sign.
    assertThat(line("-2+3+cmd|' /C calc'!A0")).isEqualTo("\"'-2+3+cmd|' /C calc'!A0\"\r\n");
    assertThat(line("\t=1")).isEqualTo("\"'\t=1\"\r\n");
  }

  @Test
  void numbers_stay_numbers() {
    assertThat(line("-0.5", "1e-3", "-2E+5", "+3", "-Infinity", ".5", "7."))
        .isEqualTo("-0.5,1e-3,-2E+5,+3,-Infinity,.5,7.\r\n");
    assertThat(line("plain", "a,b")).isEqualTo("plain,\"a,b\"\r\n");
  }
}

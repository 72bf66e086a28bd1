package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataHomeTest {

  private final Path userHome = Path.of("/home/ada");

  @Test
  void home_option_wins_over_the_environment() {
    assertThat(DataHome.resolve(Path.of("/opt/dl"), Map.of("DIGITLAB_HOME", "/srv/dl"), userHome))
        .isEqualTo(new DataHome(Path.of("/opt/dl")));
  }

  @Test
  void environment_variable_is_used_without_the_option() {
    assertThat(DataHome.resolve(null, Map.of("DIGITLAB_HOME", "/srv/dl"), userHome))
        .isEqualTo(new DataHome(Path.of("/srv/dl")));
  }

  @Test
  void dot_digitlab_in_the_user_home_is_the_default() {
    assertThat(DataHome.resolve(null, Map.of("DIGITLAB_HOME", " "), userHome))
        .isEqualTo(new DataHome(Path.of("/home/ada/.digitlab")));
  }
}

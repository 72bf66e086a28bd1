package dev.digitlab.server.architecture;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server's package rules, checked on its compiled classes (and, for SQL, its sources): the
 * edges (api, web) and the shared infrastructure (database, events) know no feature; the packages
 * form no cycle; only {@code queue} writes a trial's row; nothing starts a process. See
 * digitlab-server/README.md.
 */
class PackageRulesTest {

  private static final String SERVER = "dev.digitlab.server";

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(SERVER);

  /**
   * The edges and the shared infrastructure; every other package of the server is a feature (also
   * one added later: the rule below cannot be outgrown by forgetting to list a new package).
   */
  private static final Set<String> EDGES_AND_INFRASTRUCTURE =
      Set.of("api", "web", "database", "events");

  /** The feature packages: what the edges and the infrastructure must not import. */
  private static final List<String> FEATURES =
      CLASSES.stream()
          .map(JavaClass::getPackageName)
          .filter(name -> name.startsWith(SERVER + "."))
          .map(name -> name.substring(SERVER.length() + 1).split("\\.")[0])
          .filter(name -> !EDGES_AND_INFRASTRUCTURE.contains(name))
          .distinct()
          .sorted()
          .toList();

  /**
   * A statement that writes the trial table: {@code INSERT INTO trial}, {@code UPDATE trial} or
   * {@code DELETE FROM trial}, any case and spacing, but not {@code trial_event} and the like.
   */
  static final Pattern TRIAL_WRITE =
      Pattern.compile("(?i)\\b(insert\\s+into|update|delete\\s+from)\\s+trial\\b");

  @Test
  void every_feature_package_is_known_to_the_rule() {
    assertThat(FEATURES)
        .contains("experiments", "mlflow", "queue", "runs", "search", "trials", "workers");
  }

  @Test
  void the_edges_and_the_infrastructure_import_no_feature() {
    String[] features = FEATURES.stream().map(f -> SERVER + "." + f + "..").toArray(String[]::new);
    noClasses()
        .that()
        .resideInAnyPackage(
            SERVER + ".api..", SERVER + ".web..", SERVER + ".database..", SERVER + ".events..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(features)
        .check(CLASSES);
  }

  @Test
  void json_goes_through_the_one_configured_mapper() {
    noClasses()
        .should()
        .callMethod(JsonMapper.class, "builder")
        .orShould()
        .callConstructorWhere(
            target(owner(assignableTo(ObjectMapper.class))).as("a constructor of an ObjectMapper"))
        .because("the project's JSON settings are dev.digitlab.ml.json.Json's (Json.mapper())")
        .check(CLASSES);
  }

  /**
   * Issue 17: no program runs in the server's own code. Command trials, pipeline command steps
   * among them, run through the worker module's {@code CommandRunner}, on a worker started with
   * {@code --allow-commands} or in the embedded worker allowed the same way; nothing in the server
   * starts a process itself.
   */
  @Test
  void the_server_starts_no_process_of_its_own() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .belongToAnyOf(ProcessBuilder.class)
        .orShould()
        .callMethod(Runtime.class, "exec", String.class)
        .orShould()
        .callMethod(Runtime.class, "exec", String[].class)
        .because("programs run as command trials on workers (issue 17), never in the server")
        .check(CLASSES);
  }

  @Test
  void the_server_packages_form_no_cycle() {
    slices().matching(SERVER + ".(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void only_the_queue_writes_trial_rows() {
    Path sources = Path.of("src/main/java/dev/digitlab/server");
    assertThat(sources).isDirectory();
    List<String> writers;
    try (Stream<Path> files = Files.walk(sources)) {
      writers =
          files
              .filter(file -> file.toString().endsWith(".java"))
              .filter(file -> !file.startsWith(sources.resolve("queue")))
              .flatMap(file -> trialWrites(file).stream())
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(writers)
        .as("trial rows are the queue's: put the statement in a class of dev.digitlab.server.queue")
        .isEmpty();
  }

  @Test
  void the_trial_write_pattern_finds_writes_and_nothing_else() {
    assertThat(TRIAL_WRITE.matcher("UPDATE trial SET status = 'queued'").find()).isTrue();
    assertThat(TRIAL_WRITE.matcher("jdbc.sql(\"\"\"\n  update\n   trial set x = 1").find())
        .isTrue();
    assertThat(TRIAL_WRITE.matcher("INSERT INTO trial (experiment_id)").find()).isTrue();
    assertThat(TRIAL_WRITE.matcher("delete from trial where id = 1").find()).isTrue();
    assertThat(TRIAL_WRITE.matcher("INSERT INTO trial_event_block (trial_id)").find()).isFalse();
    assertThat(TRIAL_WRITE.matcher("UPDATE trials_view SET x").find()).isFalse();
    assertThat(TRIAL_WRITE.matcher("SELECT id FROM trial WHERE id = 1").find()).isFalse();
  }

  private static List<String> trialWrites(Path file) {
    try {
      String text = Files.readString(file);
      Matcher writes = TRIAL_WRITE.matcher(text);
      return writes.results().map(match -> file + ": " + match.group()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

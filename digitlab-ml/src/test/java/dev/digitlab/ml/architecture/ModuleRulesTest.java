package dev.digitlab.ml.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * digitlab-ml is the bottom module: it uses none of the others, nor Spring, a database or picocli
 * (see its README).
 */
class ModuleRulesTest {

  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.digitlab.ml");

  @Test
  void digitlab_ml_imports_nothing_of_the_other_modules() {
    noClasses()
        .that()
        .resideInAPackage("dev.digitlab.ml..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.digitlab.protocol..",
            "dev.digitlab.worker..",
            "dev.digitlab.server..",
            "dev.digitlab.cli..",
            "org.springframework..",
            "java.sql..",
            "picocli..")
        .check(CLASSES);
  }
}

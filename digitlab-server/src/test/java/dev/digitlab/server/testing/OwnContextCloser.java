package dev.digitlab.server.testing;

import java.lang.reflect.Method;
import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * Closes a test class's Spring context when the class ends if no other class can use it: the class
 * declares a {@link DynamicPropertySource} method of its own (its home, its database), and that
 * method is part of the context's cache key, so the context is the class's alone. Left in the cache
 * ({@code spring.test.context.cache.pause=never}, see spring.properties), such a context went on
 * running its background tasks until the test JVM exited — the pipeline heartbeat, the lease
 * sweeper, the embedded worker, the orphan-file sweep — against a database its class had removed
 * (the {@code @TempDir} home JUnit deletes, the PostgreSQL schema it drops): the "relation
 * pipeline_run does not exist" and "Table trial not found" warnings in every full run, and their
 * threads' CPU. Closed here (in SpringExtension's afterAll), its tasks stop before JUnit deletes
 * the class's temporary folders and closes its {@code @AutoClose} fields ({@link PostgresSchema}).
 *
 * <p>Contexts meant to be shared ({@link OpenServerTest}, {@link AuthServerTest}) declare their
 * properties in the base class, not in the test classes, and stay cached. Registered for every test
 * class in {@code META-INF/spring.factories}.
 */
public final class OwnContextCloser extends AbstractTestExecutionListener {

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void afterTestClass(TestContext testContext) {
    if (ownsItsContext(testContext.getTestClass()) && testContext.hasApplicationContext()) {
      testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
    }
  }

  /** Whether {@code testClass} itself declares a {@link DynamicPropertySource} method. */
  static boolean ownsItsContext(Class<?> testClass) {
    for (Method method : testClass.getDeclaredMethods()) {
      if (method.isAnnotationPresent(DynamicPropertySource.class)) {
        return true;
      }
    }
    return false;
  }
}
